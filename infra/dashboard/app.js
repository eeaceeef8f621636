// Celeriac dashboard: a hash router, one view at a time, refreshed every 2 s while visible.
import { api } from './api.js';
import { h, mount, toast } from './dom.js';
import { chartsView } from './views/charts.js';
import { queuesView } from './views/queues.js';
import { taskView } from './views/task.js';
import { tasksView } from './views/tasks.js';
import { workflowView } from './views/workflow.js';

const POLL_MS = 2_000;

const routes = [
  { match: /^\/(tasks)?$/, nav: 'tasks', view: tasksView },
  { match: /^\/task\/(.+)$/, nav: 'tasks', view: taskView },
  { match: /^\/workflows?(?:\/(.+))?$/, nav: 'workflows', view: workflowView },
  { match: /^\/queues$/, nav: 'queues', view: queuesView },
  { match: /^\/charts$/, nav: 'charts', view: chartsView },
];

const state = { plan: undefined, current: undefined, refreshing: false, generation: 0 };

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return { path, params: new URLSearchParams(search) };
}

/** Navigate to a route, e.g. go('/tasks', { state: 'FAILURE' }). */
export function go(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const text = q.toString();
  const next = `#${path}${text ? `?${text}` : ''}`;
  if (location.hash === next) render();
  else location.hash = next;
}

/** Replace the address without re-rendering (filters write themselves into the URL). */
export function remember(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const text = q.toString();
  history.replaceState(null, '', `#${path}${text ? `?${text}` : ''}`);
}

function setLive(ok, text) {
  const el = document.getElementById('live');
  el.className = ok ? 'live ok' : 'live down';
  el.textContent = text;
}

async function render(event) {
  const { path, params } = parseHash();
  const route = routes.find((r) => r.match.test(path));
  const main = document.getElementById('view');
  state.current?.dispose?.();
  state.current = undefined;
  const generation = ++state.generation;
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (route && link.dataset.nav === route.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (!route) {
    mount(main, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to tasks')));
    return;
  }
  const args = path.match(route.match).slice(1);
  try {
    const view = await route.view(main, { args, params, plan: state.plan, go, remember });
    if (generation === state.generation) state.current = view;
    // After a navigation, move focus to the new content (screen readers announce it).
    if (event?.type === 'hashchange') main.focus({ preventScroll: true });
    else view?.dispose?.();
    setLive(true, 'Live');
  } catch (err) {
    mount(main, h('div', { class: 'empty error', role: 'alert' }, err.message));
  }
}

async function tick() {
  if (document.visibilityState !== 'visible' || state.refreshing || !state.current?.refresh) return;
  state.refreshing = true;
  try {
    await state.current.refresh();
    setLive(true, `Live · ${new Date().toLocaleTimeString()}`);
  } catch (err) {
    setLive(false, err.status === 401 ? 'Signed out' : 'Offline');
  } finally {
    state.refreshing = false;
  }
}

document.getElementById('search').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = event.target.elements.id;
  const id = input.value.trim();
  if (!id) return;
  input.value = '';
  go(`/task/${encodeURIComponent(id)}`);
});

window.addEventListener('hashchange', render);

try {
  state.plan = await api.plan();
  document.getElementById('app-name').textContent = state.plan.app;
} catch (err) {
  toast(`Could not load the plan: ${err.message}`, 'error');
  state.plan = { app: '', queues: [], tasks: [] };
}
await render();
setInterval(tick, POLL_MS);
