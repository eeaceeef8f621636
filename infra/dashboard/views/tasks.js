// The live task list: filters in the address, newest first, "Load more" through the cursor.
import { api } from '../api.js';
import { badge, duration, h, mount, shortId, toast, when } from '../dom.js';

const LISTED_STATES = ['SUCCESS', 'FAILURE', 'RETRY', 'STARTED', 'REVOKED'];
const WINDOWS = [
  ['', 'Any time'],
  ['15m', 'Last 15 min'],
  ['1h', 'Last hour'],
  ['24h', 'Last 24 h'],
  ['7d', 'Last 7 days'],
];
const FILTERS = ['state', 'task', 'queue', 'tag', 'since'];

function select(name, label, options, value) {
  const id = `f-${name}`;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, name },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    ),
  );
}

function row(t) {
  const href = `#/task/${encodeURIComponent(t.id)}`;
  return h(
    'tr',
    { dataset: { id: t.id, state: t.state } },
    h('td', {}, badge(t.state)),
    h('td', {}, h('a', { href, class: 'task-name' }, t.task || '(unknown)')),
    h('td', {}, h('a', { href, 'aria-label': `Task ${t.id}` }, shortId(t.id))),
    h('td', {}, t.queue),
    h('td', { class: 'num' }, String(t.attempts ?? 0)),
    h('td', {}, when(t.updatedAt)),
    h('td', { class: 'num' }, duration(t.runtimeMs)),
    h(
      'td',
      {},
      t.errorType ? h('span', { class: 'error-type' }, t.errorType) : '',
      t.rootId && t.rootId !== t.id
        ? h('a', { class: 'chip', href: `#/workflow/${encodeURIComponent(t.rootId)}` }, 'workflow')
        : '',
      (t.tags ?? []).map((tag) => h('span', { class: 'tag' }, tag)),
    ),
  );
}

function summaryCards(totals) {
  const card = (label, value, cls, state) =>
    h(
      'a',
      { class: `card ${cls}`, href: `#/tasks?state=${state}&since=1h` },
      h('span', { class: 'card-value' }, String(value ?? 0)),
      h('span', { class: 'card-label' }, label),
    );
  return [
    card('succeeded, last hour', totals.SUCCESS, 'ok', 'SUCCESS'),
    card('failed, last hour', totals.FAILURE, 'bad', 'FAILURE'),
    card('retrying', totals.RETRY, 'warn', 'RETRY'),
    card('revoked', totals.REVOKED, 'muted', 'REVOKED'),
  ];
}

function enqueueForm(plan) {
  const task = h(
    'select',
    { id: 'enq-task', name: 'task', required: true },
    plan.tasks.map((t) => h('option', { value: t.name }, t.name)),
  );
  const args = h('textarea', { id: 'enq-args', name: 'args', rows: 3, spellcheck: 'false' }, '{}');
  const delay = h('input', { id: 'enq-delay', name: 'delay', placeholder: 'e.g. 30s', size: 8 });
  const onsubmit = async (event) => {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(args.value || 'null');
    } catch (err) {
      toast(`Arguments are not JSON: ${err.message}`, 'error');
      return;
    }
    try {
      const out = await api.enqueue({
        task: task.value,
        args: parsed,
        ...(delay.value ? { delay: delay.value } : {}),
      });
      toast(`Enqueued ${out.task} ${out.id}`, 'ok');
    } catch (err) {
      toast(`${err.code}: ${err.message}`, 'error');
    }
  };
  return h(
    'details',
    { class: 'enqueue' },
    h('summary', {}, 'Run a task'),
    h(
      'form',
      { class: 'enqueue-form', onsubmit },
      h('div', { class: 'field' }, h('label', { for: 'enq-task' }, 'Task'), task),
      h('div', { class: 'field grow' }, h('label', { for: 'enq-args' }, 'Arguments (JSON)'), args),
      h('div', { class: 'field' }, h('label', { for: 'enq-delay' }, 'Delay'), delay),
      h('button', { type: 'submit', class: 'primary' }, 'Enqueue'),
    ),
  );
}

export async function tasksView(root, { params, plan, remember }) {
  const filters = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? '']));
  let cursor;
  let paged = false;
  const tbody = h('tbody', { id: 'task-rows' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const note = h('p', { class: 'muted small', role: 'status' });
  const cards = h('div', { class: 'cards' });

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filters' },
    select('state', 'State', [['', 'Any state'], ...LISTED_STATES.map((s) => [s, s])], filters.state),
    select('task', 'Task', [['', 'Any task'], ...plan.tasks.map((t) => [t.name, t.name])], filters.task),
    select('queue', 'Queue', [['', 'Any queue'], ...plan.queues.map((q) => [q.name, q.name])], filters.queue),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'f-tag' }, 'Tag'),
      h('input', { id: 'f-tag', name: 'tag', value: filters.tag, placeholder: 'e.g. tenant:42', size: 12 }),
    ),
    select('since', 'Updated', WINDOWS, filters.since),
    h('button', { type: 'reset', class: 'link' }, 'Clear'),
  );
  const apply = () => {
    for (const k of FILTERS) filters[k] = form.elements[k].value.trim();
    remember('/tasks', filters);
    paged = false;
    load();
  };
  form.addEventListener('change', apply);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply();
  });
  form.addEventListener('reset', () => setTimeout(apply));

  const show = (page, append) => {
    if (!append) tbody.replaceChildren();
    tbody.append(...page.items.map(row));
    if (!tbody.children.length) {
      tbody.append(h('tr', {}, h('td', { colspan: 8, class: 'empty' }, 'No tasks match these filters.')));
    }
    cursor = page.cursor;
    more.hidden = !cursor;
  };
  const load = async () => {
    const page = await api.tasks({ ...filters, limit: 50 });
    show(page, false);
    note.textContent = '';
  };
  more.addEventListener('click', async () => {
    const page = await api.tasks({ ...filters, limit: 50, cursor });
    paged = true;
    note.textContent = 'Live updates paused while you page back. Change a filter to resume.';
    show(page, true);
  });
  // The cards read an hour of history: refresh them every 30 s, not on every 2 s tick.
  let cardsAt = 0;
  const loadCards = async () => {
    if (Date.now() - cardsAt < 30_000) return;
    cardsAt = Date.now();
    const stats = await api.stats({ since: '1h' });
    mount(cards, summaryCards(stats.totals));
  };

  mount(
    root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Tasks'), enqueueForm(plan)),
    cards,
    form,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'tasks' },
        h('caption', { class: 'visually-hidden' }, 'Tasks, most recently updated first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['State', 'Task', 'Id', 'Queue', 'Tries', 'Updated', 'Run time', 'Details'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        tbody,
      ),
    ),
    h('div', { class: 'pager' }, more, note),
  );
  await Promise.all([load(), loadCards()]);
  return {
    refresh: async () => {
      await loadCards();
      if (!paged) await load();
    },
  };
}
