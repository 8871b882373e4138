/**
 * Stand-ins for docker, kind and kubectl, so the logic of
 * examples/kubernetes/deploy-kind.sh (cookie jar, killing the serving pod,
 * reconnecting, PASS/FAIL) runs on a machine without a container engine.
 *
 * `kubectl port-forward` starts a tiny HTTP "pod" on the forwarded port, named after
 * the first pod not yet deleted. In `store` mode every pod reads and writes sessions
 * in one shared file (what podsafe does with Redis); in `memory` mode each pod keeps
 * them in its own process (what sticky sessions amount to), so the script must FAIL.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type SessionMode = 'store' | 'memory';

export interface FakeKindTools {
  /** Put first on PATH. */
  binDir: string;
  /** Environment the fakes read; merge into the script's environment. */
  env: Record<string, string>;
  /** Every docker/kind/kubectl invocation, one per line. */
  calls(): string[];
  cleanup(): void;
}

const PODS = ['podsafe-app-fake-a', 'podsafe-app-fake-b', 'podsafe-app-fake-c'];

const FAKE_DOCKER = `#!/usr/bin/env bash
echo "docker $*" >>"$FAKE_KIND_STATE/calls.log"
`;

const FAKE_KIND = `#!/usr/bin/env bash
echo "kind $*" >>"$FAKE_KIND_STATE/calls.log"
if [[ "$1 \${2:-}" == "get clusters" ]]; then echo podsafe; fi
`;

const FAKE_KUBECTL = `#!/usr/bin/env bash
set -euo pipefail
echo "kubectl $*" >>"$FAKE_KIND_STATE/calls.log"
if [[ \${1:-} == --context ]]; then shift 2; fi
case "\${1:-}" in
  get | apply | rollout | wait) ;;
  delete) echo "$3" >>"$FAKE_KIND_STATE/deleted" ;;
  port-forward)
    port=\${3%%:*}
    for pod in ${PODS.join(' ')}; do
      if ! grep -qx "$pod" "$FAKE_KIND_STATE/deleted" 2>/dev/null; then
        exec node "$FAKE_KIND_STATE/fake-pod.mjs" "$port" "$pod"
      fi
    done
    echo "fake kubectl: no pod left" >&2
    exit 1
    ;;
  *) echo "fake kubectl: unexpected: $*" >&2; exit 99 ;;
esac
`;

const FAKE_POD = `import { createServer } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [port, pod] = process.argv.slice(2);
const shared = new URL('./sessions.json', import.meta.url);
const inProcess = {};
const load = () =>
  process.env.FAKE_SESSION_MODE === 'store' ? (existsSync(shared) ? JSON.parse(readFileSync(shared, 'utf8')) : {}) : inProcess;
const save = (all) => {
  if (process.env.FAKE_SESSION_MODE === 'store') writeFileSync(shared, JSON.stringify(all));
};

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const send = (status, value, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const all = load();
    const sid = /(?:^|;\\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const session = sid === undefined ? undefined : all[sid];
    const route = req.method + ' ' + req.url;
    if (route === 'GET /readyz') return send(200, { ready: true });
    if (route === 'POST /api/login') {
      const id = Math.random().toString(36).slice(2);
      all[id] = { user: JSON.parse(body).user, counter: 0 };
      save(all);
      return send(200, { user: all[id].user, pod }, { 'set-cookie': 'sid=' + id + '; Path=/; HttpOnly' });
    }
    if (route === 'POST /api/increment') {
      if (!session) return send(401, { error: 'log in first' });
      session.counter += 1;
      save(all);
      return send(200, { counter: session.counter, pod });
    }
    if (route === 'GET /api/session') return send(200, { user: session?.user ?? null, counter: session?.counter ?? 0, pod });
    send(404, { error: 'not found' });
  });
}).listen(Number(port), '127.0.0.1');
`;

export function createFakeKindTools(mode: SessionMode): FakeKindTools {
  const state = mkdtempSync(join(tmpdir(), 'podsafe-fake-kind-'));
  const binDir = join(state, 'bin');
  const write = (file: string, text: string, executable: boolean): void => {
    writeFileSync(file, text);
    if (executable) chmodSync(file, 0o755);
  };
  mkdirSync(binDir);
  write(join(binDir, 'docker'), FAKE_DOCKER, true);
  write(join(binDir, 'kind'), FAKE_KIND, true);
  write(join(binDir, 'kubectl'), FAKE_KUBECTL, true);
  write(join(state, 'fake-pod.mjs'), FAKE_POD, false);
  write(join(state, 'calls.log'), '', false);
  return {
    binDir,
    env: { FAKE_KIND_STATE: state, FAKE_SESSION_MODE: mode },
    calls: () => readFileSync(join(state, 'calls.log'), 'utf8').split('\n').filter(Boolean),
    cleanup: () => rmSync(state, { recursive: true, force: true }),
  };
}
