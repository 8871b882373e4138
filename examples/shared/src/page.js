// The demo page: one self-contained HTML document (inline CSS and JS under a
// per-response CSP nonce, no external assets), so it works offline and in a
// locked-down cluster. Forms post to plain HTML routes when JavaScript is off;
// with JavaScript they call the JSON API and show which replica answered.
import { randomBytes } from 'node:crypto';

const escapeHtml = (value) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/**
 * The page and the headers it must be sent with: the CSP allows exactly the
 * inline style and script carrying this response's nonce, and nothing cached
 * (it shows per-user session data).
 * @param {{ pod: string, pid: number, user: string | null, counter: number, demoKill: boolean, backend: string, sessions?: { available: boolean, sessions: Array<{ handle: string, current: boolean, lastSeenAt: number, userAgent: string | null }> } }} view
 * @returns {{ headers: Record<string, string>, html: string }}
 */
export function demoPage(view) {
  const nonce = randomBytes(16).toString('base64');
  return {
    headers: {
      'Cache-Control': 'no-store',
      'Content-Security-Policy':
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; ` +
        `connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    },
    html: renderPage({ ...view, nonce }),
  };
}

/**
 * @param {{ pod: string, pid: number, user: string | null, counter: number, demoKill: boolean, backend: string, nonce: string, sessions?: { available: boolean, sessions: Array<{ handle: string, current: boolean, lastSeenAt: number, userAgent: string | null }> } }} view
 */
export function renderPage(view) {
  const { pod, pid, user, counter, demoKill, backend, nonce } = view;
  const sessions = view.sessions ?? { available: false, sessions: [] };
  const kill = demoKill
    ? `<button type="button" id="kill" data-testid="kill" class="danger">Kill this replica</button>`
    : `<button type="button" id="kill" data-testid="kill" disabled title="Start the app with DEMO_KILL=1 to enable">Kill this replica (disabled)</button>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>podsafe demo · ${escapeHtml(pod)}</title>
<style nonce="${nonce}">
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f4f6fa; }
  main { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin-bottom: .25rem; }
  .muted { color: #5b6475; font-size: .9rem; }
  section { background: #fff; border-radius: .6rem; padding: 1rem 1.2rem; margin: 1rem 0; box-shadow: 0 1px 3px #0002; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
  dt { color: #5b6475; } dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
  /* Shown, not text: the element stays empty for scripts and tests while nobody is logged in. */
  #user:empty::after { content: attr(data-anonymous-label); color: #8a93a3; font-weight: 400; }
  form, .row { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; margin: .5rem 0; }
  .row form { margin: 0; }
  h2 { font-size: 1rem; margin: 0 0 .5rem; }
  input { padding: .45rem .6rem; border: 1px solid #b8c0cf; border-radius: .4rem; }
  button { padding: .45rem .9rem; border: 0; border-radius: .4rem; background: #2f5bea; color: #fff; cursor: pointer; }
  button.secondary { background: #5b6475; } button.danger { background: #c62d3a; }
  button:disabled { background: #b8c0cf; cursor: not-allowed; }
  #status { min-height: 1.4em; }
  #sessions { list-style: none; padding: 0; margin: 0 0 .5rem; }
  #sessions li { display: flex; gap: .5rem; align-items: center; justify-content: space-between; padding: .35rem 0; border-bottom: 1px solid #e3e7ef; }
  #sessions .agent { font-size: .85rem; overflow-wrap: anywhere; }
  #history { font-family: ui-monospace, monospace; font-size: .85rem; padding-left: 2.5rem; margin: 0; max-height: 12rem; overflow: auto; }
</style>
</head>
<body>
<main id="app" data-busy="0">
  <h1>podsafe demo</h1>
  <p class="muted">${
    backend === 'memory'
      ? `Sessions live in <strong data-testid="backend">memory</strong>: in this replica only, so another replica does not know you, and killing this one logs you out.`
      : `Sessions live in <strong data-testid="backend">${escapeHtml(backend)}</strong>, not in the pod: any replica can answer, and killing one logs nobody out.`
  }</p>

  <section aria-label="Replica">
    <dl>
      <dt>Answered by</dt><dd><span id="pod" data-testid="pod">${escapeHtml(pod)}</span> (pid <span id="pid" data-testid="pid">${pid}</span>)</dd>
    </dl>
  </section>

  <section aria-label="Session">
    <dl>
      <dt>User</dt><dd id="user" data-testid="user" data-anonymous-label="not logged in">${user === null ? '' : escapeHtml(user)}</dd>
      <dt>Counter</dt><dd id="counter" data-testid="counter">${counter}</dd>
    </dl>
    <form id="login-form" method="post" action="/login">
      <input id="name" name="user" data-testid="login-name" placeholder="your name" maxlength="64" required autocomplete="username">
      <button type="submit" data-testid="login">Log in</button>
    </form>
    <div class="row">
      <form method="post" action="/increment"><button type="submit" id="increment" data-testid="increment">Increment</button></form>
      <form method="post" action="/logout"><button type="submit" id="logout" data-testid="logout" class="secondary">Log out</button></form>
      ${kill}
    </div>
    <p id="status" data-testid="status" role="status"></p>
  </section>

  <section aria-label="Your sessions" id="sessions-panel" data-testid="sessions-panel"${sessions.available ? '' : ' hidden'}>
    <h2>Your sessions</h2>
    <p class="muted" id="sessions-empty"${sessions.sessions.length === 0 ? '' : ' hidden'}>Log in to see where you are signed in.</p>
    <ul id="sessions" data-testid="sessions">${sessions.sessions.map((s) => renderSessionItem(s)).join('')}</ul>
    <form method="post" action="/sign-out-others"><button type="submit" id="sign-out-others" data-testid="sign-out-others" class="secondary">Sign out everywhere else</button></form>
  </section>

  <section aria-label="History">
    <h2>Who answered (this page's requests)</h2>
    <ol id="history" data-testid="history" reversed></ol>
  </section>
</main>
<script nonce="${nonce}">
(() => {
  const $ = (id) => document.getElementById(id);
  const app = $('app');

  function show(state) {
    if ('pod' in state) $('pod').textContent = state.pod;
    if ('pid' in state) $('pid').textContent = state.pid;
    if ('user' in state) $('user').textContent = state.user ?? '';
    if ('counter' in state) $('counter').textContent = state.counter;
  }

  // "Your sessions": rebuilt from GET /api/sessions after every action, with
  // textContent only (a user agent is untrusted text).
  async function refreshSessions() {
    if ($('sessions-panel').hidden) return;
    const response = await fetch('/api/sessions', { headers: { accept: 'application/json' } });
    if (!response.ok) return;
    const { sessions } = await response.json();
    const list = $('sessions');
    list.replaceChildren(...sessions.map((s) => {
      const item = document.createElement('li');
      item.dataset.testid = 'session';
      item.dataset.current = String(s.current);
      const about = document.createElement('span');
      const agent = document.createElement('span');
      agent.className = 'agent';
      agent.textContent = (s.userAgent ?? 'unknown device') + (s.current ? ' (this device)' : '');
      const seen = document.createElement('time');
      seen.dataset.testid = 'last-seen';
      seen.dateTime = new Date(s.lastSeenAt * 1000).toISOString();
      seen.textContent = ' last seen ' + new Date(s.lastSeenAt * 1000).toLocaleString();
      about.append(agent, document.createElement('br'), seen);
      item.append(about);
      if (!s.current) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'danger';
        button.dataset.testid = 'sign-out-device';
        button.textContent = 'Sign out this device';
        button.addEventListener('click', () => act('sign out device', '/api/sign-out-device', { handle: s.handle }));
        item.append(button);
      }
      return item;
    }));
    $('sessions-empty').hidden = sessions.length > 0;
    app.dataset.sessions = String(sessions.length);
  }

  function note(text) {
    $('status').textContent = text;
  }

  function remember(action, body) {
    const item = document.createElement('li');
    item.textContent = action + ' \\u2192 ' + (body.pod ?? '?') + (body.pid ? ' (pid ' + body.pid + ')' : '');
    $('history').prepend(item);
  }

  async function call(path, body) {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    let json = {};
    try { json = await response.json(); } catch { /* e.g. a load balancer's HTML error page */ }
    return { response, json };
  }

  async function act(action, path, body) {
    app.dataset.busy = '1';
    try {
      const { response, json } = await call(path, body);
      if (!response.ok) {
        note(action + ' failed: ' + (json.error ?? 'HTTP ' + response.status));
        return;
      }
      show(json);
      remember(action, json);
      note(action + ' answered by ' + json.pod + ('signedOut' in json ? ': ' + json.signedOut + ' signed out' : ''));
      await refreshSessions();
    } catch (error) {
      note(action + ' failed: ' + error.message);
    } finally {
      app.dataset.busy = '0';
    }
  }

  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    act('log in', '/api/login', { user: $('name').value });
  });
  $('increment').addEventListener('click', (event) => {
    event.preventDefault();
    act('increment', '/api/increment');
  });
  $('sign-out-others').addEventListener('click', (event) => {
    event.preventDefault();
    act('sign out everywhere else', '/api/sign-out-others');
  });
  refreshSessions();
  $('logout').addEventListener('click', (event) => {
    event.preventDefault();
    act('log out', '/api/logout');
  });

  // The load balancer picks the replica, so the kill request names its target
  // and is retried until it reaches it (round robin gets there in a few tries).
  $('kill').addEventListener('click', async () => {
    const target = $('pod').textContent;
    app.dataset.busy = '1';
    try {
      for (let attempt = 1; attempt <= 12; attempt++) {
        const { response, json } = await call('/api/kill', { pod: target });
        if (response.status === 409) continue;
        if (!response.ok) {
          note('kill failed: ' + (json.error ?? 'HTTP ' + response.status));
          return;
        }
        remember('kill', json);
        note(json.pod + ' (pid ' + json.pid + ') was killed. Reload: another replica answers, and you are still logged in.');
        app.dataset.killed = json.pod;
        return;
      }
      note('kill: the load balancer never routed to ' + target + '; try again.');
    } catch (error) {
      note('kill failed: ' + error.message);
    } finally {
      app.dataset.busy = '0';
    }
  });
})();
</script>
</body>
</html>
`;
}

/** One device of the "Your sessions" panel, server-rendered (the page's script renders the same from JSON). */
function renderSessionItem(s) {
  const seen = new Date(s.lastSeenAt * 1000).toISOString();
  const device = `${escapeHtml(s.userAgent ?? 'unknown device')}${s.current ? ' (this device)' : ''}`;
  const button = s.current
    ? ''
    : `<form method="post" action="/sign-out-device"><input type="hidden" name="handle" value="${escapeHtml(s.handle)}"><button type="submit" class="danger" data-testid="sign-out-device">Sign out this device</button></form>`;
  return `<li data-testid="session" data-current="${s.current}"><span><span class="agent">${device}</span><br><time data-testid="last-seen" datetime="${seen}"> last seen ${seen.replace('T', ' ').slice(0, 19)} UTC</time></span>${button}</li>`;
}

/** A short page for errors outside the JSON API. */
export function renderErrorPage(status, message) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${status}</title></head>
<body><h1>${status}</h1><p>${escapeHtml(message)}</p><p><a href="/">Back to the demo</a></p></body></html>
`;
}
