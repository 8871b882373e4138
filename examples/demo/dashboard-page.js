// The live page of `pnpm demo`: both fleets side by side. One self-contained
// document (inline CSS, inline script and SVG under a per-response CSP nonce,
// nothing fetched from elsewhere); the script polls /api/state and draws.
import { randomBytes } from 'node:crypto';

/** @returns {{ headers: Record<string, string>, html: string }} */
export function dashboardPage() {
  const nonce = randomBytes(16).toString('base64');
  return {
    headers: {
      'Cache-Control': 'no-store',
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy':
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; ` +
        `connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'`,
    },
    html: html(nonce),
  };
}

/** @param {string} nonce */
const html = (nonce) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>podsafe demo: sticky sessions vs podsafe</title>
<style nonce="${nonce}">
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f4f6fa; }
  main { max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.1rem; margin: 0 0 .2rem; }
  h3 { font-size: .95rem; margin: .8rem 0 .3rem; }
  .muted { color: #5b6475; font-size: .85rem; margin: .1rem 0; }
  .controls { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; margin: 1rem 0; }
  button { padding: .5rem .9rem; border: 0; border-radius: .4rem; background: #2f5bea; color: #fff; cursor: pointer; font-size: .9rem; }
  button.danger { background: #c62d3a; } button.secondary { background: #5b6475; }
  button:disabled { background: #b8c0cf; cursor: wait; }
  .fleets { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
  section.fleet { background: #fff; border-radius: .6rem; padding: 1rem 1.2rem; box-shadow: 0 1px 3px #0002; border-top: .35rem solid #c62d3a; }
  section.fleet[data-fleet="podsafe"] { border-top-color: #1f9d55; }
  svg { width: 100%; height: 9rem; background: #f8f9fc; border-radius: .3rem; }
  .legend { display: flex; flex-wrap: wrap; gap: .2rem .9rem; font-size: .85rem; margin: .3rem 0; font-variant-numeric: tabular-nums; }
  .swatch { display: inline-block; width: .7rem; height: .7rem; border-radius: .15rem; margin-right: .25rem; vertical-align: -.05rem; }
  .down { opacity: .45; text-decoration: line-through; }
  dl { display: grid; grid-template-columns: 1.4rem 1fr; gap: .45rem .4rem; margin: .4rem 0 0; font-size: .9rem; }
  dt { font-weight: 700; color: #5b6475; } dd { margin: 0; }
  .bad { color: #c62d3a; font-weight: 700; } .good { color: #1f9d55; font-weight: 700; }
  #status { min-height: 1.3em; font-size: .9rem; }
  a { color: #2f5bea; }
</style>
</head>
<body>
<main id="app" data-ready="0">
  <h1>Sticky sessions vs podsafe, live</h1>
  <p class="muted">Two fleets of the same app, 3 replicas each, the same simulated crowd on both (each virtual user its own cookies and its own client address, 127.0.0.x).</p>
  <ul id="notes" class="muted" data-testid="notes"></ul>
  <div class="controls">
    <button type="button" id="crowd" data-testid="crowd-toggle" class="secondary">Start the crowd</button>
    <button type="button" id="kill" data-testid="kill" class="danger">Kill a replica</button>
    <button type="button" id="scale" data-testid="scale">Add a replica</button>
    <button type="button" id="address" data-testid="address">Change my address</button>
    <span id="status" data-testid="status" role="status"></span>
  </div>
  <div class="fleets" id="fleets"></div>
</main>
<script nonce="${nonce}">
(() => {
  const $ = (id) => document.getElementById(id);
  const COLORS = ['#2f5bea', '#e8871e', '#8e44ad', '#16a085', '#c0392b', '#7f8c8d'];
  const SVG = 'http://www.w3.org/2000/svg';
  const built = {};
  let busy = false;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function build(fleet) {
    const root = el('section', { class: 'fleet', 'data-fleet': fleet.name, 'data-testid': 'fleet-' + fleet.name });
    root.append(
      el('h2', {}, fleet.name === 'sticky' ? 'Sticky sessions: what most apps have before podsafe' : 'podsafe: sessions out of the pod'),
      el('p', { class: 'muted', 'data-testid': 'front' }, 'Front: ' + fleet.front),
      el('p', { class: 'muted', 'data-testid': 'sessions' }, 'Sessions: ' + fleet.sessions),
    );
    const open = el('p', { class: 'muted' });
    open.append('Its app page: ', el('a', { href: fleet.url, target: '_blank', rel: 'noopener' }, fleet.url));
    root.append(open, el('h3', {}, 'Requests per second, per replica (last 60 s)'));
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 600 150');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('data-testid', 'chart');
    root.append(svg, el('div', { class: 'legend', 'data-testid': 'legend' }), el('p', { class: 'muted', 'data-testid': 'signed-in' }));
    const dl = el('dl');
    for (const [n, id] of [['1', 'balance'], ['2', 'kill'], ['3', 'scale'], ['4', 'address']]) {
      dl.append(el('dt', {}, n), el('dd', { 'data-testid': id + '-result' }, '\\u2014'));
    }
    root.append(dl);
    $('fleets').append(root);
    built[fleet.name] = { root, svg };
  }

  function chart(svg, fleet) {
    const pods = fleet.replicas.map((r) => r.pod);
    const series = pods.map((p) => fleet.tally.series[p] ?? []);
    const top = Math.max(5, ...series.flat());
    svg.replaceChildren();
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', '4'); label.setAttribute('y', '14'); label.setAttribute('font-size', '12'); label.setAttribute('fill', '#5b6475');
    label.textContent = top + ' req/s';
    svg.append(label);
    series.forEach((points, i) => {
      if (points.length < 2) return;
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', COLORS[i % COLORS.length]);
      line.setAttribute('stroke-width', '2.5');
      line.setAttribute('data-pod', pods[i]);
      line.setAttribute('points', points.map((v, x) => (x * 600 / (points.length - 1)).toFixed(1) + ',' + (146 - v * 130 / top).toFixed(1)).join(' '));
      svg.append(line);
    });
  }

  const ago = (at) => Math.max(0, Math.round((Date.now() - at) / 1000)) + ' s ago';
  const pct = (x) => (x === null ? 'no requests yet' : Math.round(x * 100) + '%');

  function result(root, id, html, value, verdict) {
    const dd = root.querySelector('[data-testid="' + id + '-result"]');
    dd.replaceChildren(...html);
    if (value !== undefined) dd.dataset.value = String(value); else delete dd.dataset.value;
    if (verdict) dd.dataset.verdict = verdict; else delete dd.dataset.verdict;
  }
  const strong = (text, good) => el('span', { class: good ? 'good' : 'bad' }, text);

  function render(state) {
    $('notes').replaceChildren(...state.notes.map((n) => el('li', {}, n)));
    $('crowd').textContent = state.crowd.running ? 'Stop the crowd (' + state.crowd.users + ' users)' : 'Start the crowd (' + state.crowd.users + ' users)';
    $('app').dataset.crowd = state.crowd.running ? 'running' : 'stopped';
    for (const b of ['crowd', 'kill', 'scale', 'address']) $(b).disabled = busy || state.busy;
    for (const fleet of state.fleets) {
      if (!built[fleet.name]) build(fleet);
      const { root, svg } = built[fleet.name];
      const t = fleet.tally;
      chart(svg, fleet);
      root.querySelector('[data-testid="legend"]').replaceChildren(...fleet.replicas.map((r, i) => {
        const item = el('span', { 'data-testid': 'replica', 'data-pod': r.pod, 'data-state': r.state, class: r.state === 'ready' ? '' : 'down' });
        item.append(el('span', { class: 'swatch' }), r.pod + ': ' + (t.served[r.pod] ?? 0) + ' requests');
        item.firstChild.style.background = COLORS[i % COLORS.length];
        return item;
      }));
      root.querySelector('[data-testid="signed-in"]').textContent =
        'Signed in now: ' + fleet.signedIn + ' of ' + fleet.users + ' users \\u00b7 logged out so far: ' + t.logouts + ' \\u00b7 failed requests: ' + t.errors;

      // The last 10 whole seconds, replicas up now: a replica that joined late or was down is not "unbalanced".
      const counts = fleet.replicas.filter((r) => r.state === 'ready').map((r) => (t.series[r.pod] ?? []).slice(-11, -1).reduce((a, b) => a + b, 0));
      const busiest = Math.max(...counts);
      const idlest = Math.min(...counts);
      result(root, 'balance', counts.length && busiest > 0
        ? ['Load, last 10 s: requests per replica, max ', el('b', {}, String(busiest)), ' / min ', el('b', {}, String(idlest)), ' (', strong(idlest ? (busiest / idlest).toFixed(2) + '\\u00d7' : '\\u221e', busiest <= idlest * 1.15), ')']
        : ['Load: start the crowd'], counts.length && busiest > 0 ? busiest - idlest : undefined);
      if (t.kill) {
        result(root, 'kill', ['Kill: ' + t.kill.pod + ' killed ' + ago(t.kill.at) + ': ', strong(t.kill.loggedOut + ' of ' + t.kill.signedIn + ' signed-in users logged out', t.kill.loggedOut === 0), t.kill.open ? ' since' : ' (until the next action)'], t.kill.loggedOut, t.kill.loggedOut === 0 ? 'kept' : 'lost');
      } else result(root, 'kill', ['Kill: press \\u201cKill a replica\\u201d']);
      if (t.scale) {
        const s = t.scale;
        result(root, 'scale', [
          'Scale-out: ' + s.pod + (s.joined ? ' joined ' + ago(s.at) : ' starting') + '; its share of requests from users signed in before: ',
          strong(pct(s.share), (s.share ?? 0) > 0), ' (' + s.requests + ' requests); logged out ' + (s.open ? 'since: ' : 'until the next action: ') + s.loggedOut,
        ], s.share === null ? undefined : s.share, (s.share ?? 0) > 0 ? 'shared' : 'none');
      } else result(root, 'scale', ['Scale-out: press \\u201cAdd a replica\\u201d']);
      const you = fleet.you;
      if (you.last) {
        const l = you.last;
        result(root, 'address', ['You moved ' + l.from + ' \\u2192 ' + l.to + ': ', strong(l.loggedOut ? 'logged out' : 'still signed in', !l.loggedOut), ' (' + (l.podBefore ?? '?') + ' \\u2192 ' + (l.podAfter ?? '?') + ')'], l.loggedOut ? 1 : 0, l.loggedOut ? 'logged-out' : 'signed-in');
      } else result(root, 'address', ['You: signed in from ' + you.address + ' on ' + (you.pod ?? '?') + '; press \\u201cChange my address\\u201d']);
    }
    $('app').dataset.ready = '1';
  }

  async function poll() {
    try {
      const response = await fetch('/api/state', { headers: { accept: 'application/json' } });
      if (response.ok) render(await response.json());
    } catch {
      $('status').textContent = 'the demo is not answering (stopped?)';
    }
    setTimeout(poll, 500);
  }

  async function act(path, body) {
    busy = true;
    $('status').textContent = 'working\\u2026';
    try {
      const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body ?? {}) });
      const json = await response.json().catch(() => ({}));
      $('status').textContent = json.message ?? json.error ?? ('HTTP ' + response.status);
    } catch (error) {
      $('status').textContent = error.message;
    } finally {
      busy = false;
    }
  }

  $('crowd').addEventListener('click', () => act('/api/crowd', { running: $('app').dataset.crowd !== 'running' }));
  $('kill').addEventListener('click', () => act('/api/kill'));
  $('scale').addEventListener('click', () => act('/api/scale'));
  $('address').addEventListener('click', () => act('/api/address'));
  poll();
})();
</script>
</body>
</html>
`;
