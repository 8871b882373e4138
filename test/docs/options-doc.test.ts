import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderOptionsDoc } from '../../scripts/options-doc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('docs/options.md', () => {
  it('is what scripts/options-doc.mjs makes from the TSDoc of the option interfaces', () => {
    const committed = readFileSync(join(root, 'docs', 'options.md'), 'utf8');
    expect(committed, 'docs/options.md is stale: run `node scripts/options-doc.mjs` and commit the result').toBe(renderOptionsDoc());
  });

  it('lists every option of SessionOptions, inherited ones included, with its default', () => {
    const page = renderOptionsDoc();
    const section = page.slice(page.indexOf('## SessionOptions'), page.indexOf('## SessionCookieOptions'));
    expect(section).toMatch(/^\| `ttl` \| `number` \| `86400` seconds \(1 day\) \|/m);
    expect(section).toMatch(/^\| `userSessionsLimit` \| `number` \| `50` sessions \|/m);
    expect(section).toMatch(/^\| `store` \| `AnySessionStore` \| required \|/m);
  });
});

describe('scripts/options-doc.mjs', () => {
  const fixtures: string[] = [];
  afterAll(() => {
    for (const dir of fixtures) rmSync(dir, { recursive: true, force: true });
  });

  /** A repository holding one package whose src/options.ts is `source`. */
  function fixture(source: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'podsafe-options-doc-'));
    fixtures.push(dir);
    mkdirSync(join(dir, 'packages', 'demo', 'src'), { recursive: true });
    writeFileSync(join(dir, 'packages', 'demo', 'src', 'options.ts'), source);
    return dir;
  }
  const sections = [{ name: 'DemoOptions', usedBy: '`new Demo(options)`' }];

  it('renders a member with its type, its @default and its summary', () => {
    const dir = fixture(`
      /** Options of Demo. */
      export interface DemoOptions {
        /** The host. */
        host: string;
        /**
         * Seconds one call may take.
         * @default \`2\` seconds
         */
        timeout?: number;
      }
    `);
    const page = renderOptionsDoc({ root: dir, sections, ignored: {} });
    expect(page).toContain('| `host` | `string` | required | The host. |');
    expect(page).toContain('| `timeout` | `number` | `2` seconds | Seconds one call may take. |');
  });

  it('refuses an optional member without @default, a default in prose, a cut summary and an undocumented interface', () => {
    const dir = fixture(`
      /** Options of Demo. */
      export interface DemoOptions {
        /** Seconds one call may take. Default \`2\`. */
        timeout?: number;
        /** Accept cookies of @fastify/session too. */
        legacy?: boolean;
      }
      /** Not on the page. */
      export interface OtherOptions {
        /** Anything. */
        x: string;
      }
    `);
    let message = '';
    try {
      renderOptionsDoc({ root: dir, sections, ignored: {} });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DemoOptions.timeout (packages/demo/src/options.ts) states a default in its prose');
    expect(message).toContain('DemoOptions.timeout (packages/demo/src/options.ts) is optional: give it exactly one @default tag');
    expect(message).toContain('DemoOptions.legacy (packages/demo/src/options.ts): "@fastify" starts a TSDoc tag');
    expect(message).toContain('OtherOptions (packages/demo/src/options.ts) is an exported options interface missing from docs/options.md');
  });
});
