import { SessionConfigError } from './errors.js';

/** What to use instead of an option podsafe does not take; a function gets the value that was given. */
export type OptionHint = string | ((value: unknown) => string);

/** Bounds of a duration option, in seconds. */
export interface SecondsBounds<D extends number | undefined> {
  /** The value when the option is not given. */
  default: D;
  /** The value must be greater than this (exclusive). @default `0` */
  min?: number;
  /** The value must be at most this; a bigger one is probably milliseconds. @default none */
  max?: number;
}

/** Bounds of a whole-number option. */
export interface IntegerBounds {
  /** The value when the option is not given. */
  default: number;
  /** Smallest value accepted (inclusive). */
  min: number;
  /** Largest value accepted (inclusive). */
  max: number;
  /** What the number counts, for the message, e.g. `'bytes'`. @default none */
  unit?: string;
  /** What to do instead, appended to the message. @default none */
  hint?: string;
}

/**
 * The checks every podsafe options object goes through, with one message
 * format: `Where: name must be ..., got ... .` followed by what to do. Made by
 * {@link optionParser}.
 */
export interface OptionParser {
  /** Throws `SessionConfigError` with `message` under this parser's prefix. */
  fail(message: string): never;
  /**
   * A duration in seconds (fractions allowed), greater than `min` and at most
   * `max`; a value over `max` is refused with the milliseconds it probably was.
   */
  seconds(name: string, value: unknown, bounds: SecondsBounds<number>): number;
  seconds(name: string, value: unknown, bounds: SecondsBounds<undefined>): number | undefined;
  /** A whole number from `min` to `max`. */
  integer(name: string, value: unknown, bounds: IntegerBounds): number;
  /** One of `allowed` (compared with `===`). */
  oneOf<T>(name: string, value: unknown, allowed: readonly T[], fallback: T): T;
  /** `true` or `false`. */
  boolean(name: string, value: unknown, fallback: boolean): boolean;
  /**
   * Refuses every key of `options` that is not in `known`, naming each one and
   * what to do: its `hints` entry (an option of another library, mapped to
   * podsafe's), else the valid options. An option nobody reads is a setting the
   * app believes in and does not have, so nothing is ignored silently.
   */
  rejectUnknown(options: object, known: readonly string[], hints?: Readonly<Record<string, OptionHint>>): void;
}

/** A value as it appears in a message. */
export function shown(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  return JSON.stringify(value) ?? String(value);
}

/**
 * The option checks for one options object.
 *
 * @param where - what the options configure, the prefix of every message, e.g. `'RedisStore'`.
 */
export function optionParser(where: string): OptionParser {
  const fail = (message: string): never => {
    throw new SessionConfigError(`${where}: ${message}`);
  };
  function seconds(name: string, value: unknown, bounds: SecondsBounds<number | undefined>): number | undefined {
    if (value === undefined) return bounds.default;
    const min = bounds.min ?? 0;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= min) {
      const example = bounds.default === undefined ? '' : ` Example: ${name}: ${bounds.default}.`;
      fail(
        `${name} must be a number of seconds greater than ${min}, got ${shown(value)}.${example} ` +
          `(podsafe takes every time in seconds: 1 day is 86400.)`,
      );
    }
    const max = bounds.max;
    if (max !== undefined && (value as number) > max) {
      fail(
        `${name} is ${shown(value)} seconds, more than the ${max} s it makes sense for. podsafe takes seconds, not ` +
          `milliseconds: for ${shown(value)} ms pass ${(value as number) / 1000}.`,
      );
    }
    return value as number;
  }
  return {
    fail,
    seconds: seconds as OptionParser['seconds'],
    integer(name, value, { default: fallback, min, max, unit, hint }) {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        fail(
          `${name} must be a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}, got ${shown(value)}. ${hint ?? `Default: ${fallback}.`}`,
        );
      }
      return value as number;
    },
    oneOf(name, value, allowed, fallback) {
      if (value === undefined) return fallback;
      if (!allowed.includes(value as never)) {
        const list = allowed.map(shown);
        fail(`${name} must be ${list.slice(0, -1).join(', ')}${list.length > 1 ? ' or ' : ''}${list.at(-1)}, got ${shown(value)}.`);
      }
      return value as (typeof allowed)[number];
    },
    boolean(name, value, fallback) {
      if (value === undefined) return fallback;
      if (typeof value !== 'boolean') fail(`${name} must be true or false, got ${shown(value)}.`);
      return value as boolean;
    },
    rejectUnknown(options, known, hints = {}) {
      const unknown = Object.keys(options).filter((key) => !known.includes(key));
      if (unknown.length === 0) return;
      const lines = unknown.map((key) => {
        const hint = Object.hasOwn(hints, key) ? hints[key]! : undefined;
        const text = typeof hint === 'function' ? hint((options as Record<string, unknown>)[key]) : hint;
        return text === undefined ? `unknown option ${JSON.stringify(key)}` : `${JSON.stringify(key)} is not a podsafe option: ${text}`;
      });
      const listed = unknown.some((key) => !Object.hasOwn(hints, key)) ? ` Valid options: ${known.join(', ')}.` : '';
      fail(`${lines.join('; ')}.${listed}`);
    },
  };
}
