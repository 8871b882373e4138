import { describe, expect, it } from 'vitest';
import { SessionConfigError } from './errors.js';
import { optionParser } from './option-parser.js';

const parse = optionParser('TestStore');

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a SessionConfigError');
}

describe('optionParser', () => {
  it('prefixes every message with where it applies', () => {
    expect(messageOf(() => parse.fail('prefix must be a string.'))).toBe('TestStore: prefix must be a string.');
  });

  it('seconds: default when unset, the value when in range (fractions allowed)', () => {
    expect(parse.seconds('timeout', undefined, { default: 1 })).toBe(1);
    expect(parse.seconds('maxLifetime', undefined, { default: undefined })).toBeUndefined();
    expect(parse.seconds('timeout', 0.5, { default: 1, max: 60 })).toBe(0.5);
  });

  it('seconds: refuses non-numbers, values at or below min, and says the unit', () => {
    expect(messageOf(() => parse.seconds('ttl', '1d', { default: 86_400 }))).toMatch(
      /^TestStore: ttl must be a number of seconds greater than 0, got "1d"\. Example: ttl: 86400\. .*1 day is 86400/,
    );
    expect(messageOf(() => parse.seconds('ttl', 0, { default: 1 }))).toMatch(/greater than 0, got 0/);
    expect(messageOf(() => parse.seconds('ttl', 5, { default: 10, min: 5 }))).toMatch(/greater than 5, got 5/);
    expect(messageOf(() => parse.seconds('ttl', Number.NaN, { default: 1 }))).toMatch(/got null/);
  });

  it('seconds: a value over max is refused with the milliseconds it probably was', () => {
    expect(messageOf(() => parse.seconds('timeout', 1500, { default: 1, max: 60 }))).toMatch(
      /^TestStore: timeout is 1500 seconds, more than the 60 s .*seconds, not milliseconds: for 1500 ms pass 1\.5\./,
    );
  });

  it('integer: whole numbers within bounds, with the unit and the hint', () => {
    expect(parse.integer('retries', undefined, { default: 2, min: 0, max: 10 })).toBe(2);
    expect(parse.integer('retries', 10, { default: 2, min: 0, max: 10 })).toBe(10);
    expect(messageOf(() => parse.integer('retries', 1.5, { default: 2, min: 0, max: 10, unit: 'attempts' }))).toBe(
      'TestStore: retries must be a whole number of attempts from 0 to 10, got 1.5. Default: 2.',
    );
    expect(messageOf(() => parse.integer('size', 11, { default: 2, min: 0, max: 10, hint: 'It counts tokens.' }))).toMatch(
      /from 0 to 10, got 11\. It counts tokens\.$/,
    );
  });

  it('oneOf and boolean', () => {
    expect(parse.oneOf('sameSite', undefined, ['lax', 'strict', 'none'], 'lax')).toBe('lax');
    expect(parse.oneOf('sameSite', 'none', ['lax', 'strict', 'none'], 'lax')).toBe('none');
    expect(messageOf(() => parse.oneOf('sameSite', 'loose', ['lax', 'strict', 'none'], 'lax'))).toBe(
      `TestStore: sameSite must be "lax", "strict" or "none", got "loose".`,
    );
    expect(parse.boolean('encrypt', undefined, false)).toBe(false);
    expect(parse.boolean('encrypt', true, false)).toBe(true);
    expect(messageOf(() => parse.boolean('encrypt', 'yes', false))).toBe('TestStore: encrypt must be true or false, got "yes".');
  });

  it('rejectUnknown: lists the valid options for a typo, and the hint for a foreign option', () => {
    expect(() => parse.rejectUnknown({ prefix: 'a' }, ['prefix'])).not.toThrow();
    expect(messageOf(() => parse.rejectUnknown({ prefx: 'a' }, ['prefix', 'timeout']))).toBe(
      'TestStore: unknown option "prefx". Valid options: prefix, timeout.',
    );
    expect(
      messageOf(() => parse.rejectUnknown({ ttl: 5 }, ['prefix'], { ttl: (value) => `use the session option ttl: ${String(value)}` })),
    ).toBe('TestStore: "ttl" is not a podsafe option: use the session option ttl: 5.');
  });
});
