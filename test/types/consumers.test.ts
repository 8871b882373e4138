/**
 * Compiles small consumer apps with tsc against the built declarations, as a
 * user's project would see them (dist/, not our sources).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(here, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');

function compile(project: string) {
  const result = spawnSync(process.execPath, [tsc, '-p', join(here, 'consumers', project)], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('TypeScript consumers', () => {
  it.each(['express-session-app', 'podsafe-express-app', 'cjs-app'])(
    '%s compiles under strict',
    (project) => {
      const { status, output } = compile(project);
      expect(output).toBe('');
      expect(status).toBe(0);
    },
    60_000,
  );
});

describe('CommonJS consumers', () => {
  it('require() loads every package (require(esm)) and serves sessions on Express and Fastify', () => {
    const app = join(here, 'consumers', 'cjs-app', 'app.cjs');
    const result = spawnSync(process.execPath, [app], { encoding: 'utf8', cwd: dirname(app) });
    expect(result.stderr.replace(/^.*ExperimentalWarning.*\n?|^\(Use `node --trace-warnings.*\n?/gm, '')).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ express: { views: 2, sessionID: true }, fastify: { n: 1 } });
  }, 60_000);
});
