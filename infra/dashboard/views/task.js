// One task: state, timings, arguments, result, error with stack, and its timeline.
import { api } from '../api.js';
import { badge, duration, FINAL, h, jsonBlock, mount, toast, when } from '../dom.js';

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value ?? h('span', { class: 'muted' }, '—'))];
}

function timeline(history) {
  if (!history?.length) return h('p', { class: 'muted' }, 'No recorded transitions yet.');
  return h(
    'ol',
    { class: 'timeline' },
    history.map((ev) =>
      h(
        'li',
        { class: `state-${ev.state.toLowerCase()}` },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h(
          'div',
          {},
          h(
            'div',
            {},
            badge(ev.state),
            ' ',
            h('span', { class: 'muted' }, `attempt ${ev.attempt}`),
            ' · ',
            when(ev.at),
          ),
          ev.error ? h('div', { class: 'error-line' }, `${ev.error.type}: ${ev.error.message}`) : '',
          ev.retryInMs !== undefined
            ? h('div', { class: 'muted small' }, `next attempt in ${duration(ev.retryInMs)}`)
            : '',
        ),
      ),
    ),
  );
}

function section(title, ...content) {
  return h('section', { class: 'panel', 'aria-label': title }, h('h2', {}, title), ...content);
}

function render(root, t, reload) {
  const inWorkflow = t.rootId && (t.rootId !== t.id || t.parentId);
  const revoke = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      onclick: async () => {
        if (!confirm(`Revoke task ${t.id}? The worker will skip it.`)) return;
        try {
          await api.revoke(t.id, { task: t.task });
          toast(`Revoked ${t.id}`, 'ok');
          await reload();
        } catch (err) {
          toast(`${err.code}: ${err.message}`, 'error');
        }
      },
    },
    'Revoke',
  );
  const truncated = new Set(t.truncated ?? []);
  mount(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: '#/tasks' }, '← Tasks')),
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, badge(t.state), ' ', t.task),
      h(
        'div',
        { class: 'actions' },
        inWorkflow
          ? h(
              'a',
              { class: 'button secondary', href: `#/workflow/${encodeURIComponent(t.rootId)}` },
              'Workflow graph',
            )
          : '',
        FINAL.has(t.state) ? '' : revoke,
      ),
    ),
    h('p', { class: 'muted mono' }, t.id),
    h(
      'div',
      { class: 'grid-2' },
      section(
        'Summary',
        h(
          'dl',
          { class: 'facts' },
          fact('Queue', t.queue),
          fact('Attempts', String(t.attempts)),
          fact('Enqueued', when(t.enqueuedAt)),
          fact('Started', when(t.startedAt)),
          fact('Finished', when(t.finishedAt)),
          fact('Run time', duration(t.runtimeMs)),
          fact('Waited', t.startedAt && t.enqueuedAt ? duration(t.startedAt - t.enqueuedAt) : undefined),
          fact('Tags', t.tags?.length ? t.tags.map((tag) => h('span', { class: 'tag' }, tag)) : undefined),
          fact(
            'Root',
            t.rootId && t.rootId !== t.id
              ? h('a', { href: `#/task/${encodeURIComponent(t.rootId)}` }, t.rootId)
              : undefined,
          ),
          fact(
            'Parent',
            t.parentId ? h('a', { href: `#/task/${encodeURIComponent(t.parentId)}` }, t.parentId) : undefined,
          ),
          fact('Request id', t.requestId ? h('code', {}, t.requestId) : undefined),
          fact('Kept until', t.expiresAt ? new Date(t.expiresAt).toLocaleString() : undefined),
        ),
      ),
      section('Timeline', timeline(t.history)),
    ),
    t.error
      ? section(
          'Error',
          h(
            'p',
            { class: 'error-line' },
            h('strong', {}, t.error.type),
            `: ${t.error.message}`,
            t.error.code ? ` (${t.error.code})` : '',
          ),
          t.error.stack
            ? h('pre', { class: 'stack', tabindex: 0, 'aria-label': 'Stack trace' }, t.error.stack)
            : '',
        )
      : '',
    section(
      'Arguments',
      truncated.has('args')
        ? h('p', { class: 'muted' }, 'Too large to store (over 8 KB).')
        : t.args !== undefined
          ? jsonBlock(t.args, 'Arguments')
          : h('p', { class: 'muted' }, 'Not stored for this task.'),
    ),
    t.state === 'SUCCESS'
      ? section(
          'Result',
          truncated.has('result')
            ? h('p', { class: 'muted' }, 'Too large to store.')
            : t.result !== undefined
              ? jsonBlock(t.result, 'Result')
              : h('p', { class: 'muted' }, 'Not stored for this task.'),
        )
      : '',
  );
}

export async function taskView(root, { args }) {
  const id = decodeURIComponent(args[0]);
  let last = '';
  const load = async () => {
    try {
      const t = await api.task(id);
      const key = JSON.stringify(t);
      if (key !== last) {
        last = key;
        render(root, t, load);
      }
      return t;
    } catch (err) {
      if (err.status !== 404) throw err;
      if (last !== '404') {
        last = '404';
        mount(
          root,
          h('p', { class: 'crumbs' }, h('a', { href: '#/tasks' }, '← Tasks')),
          h('h1', {}, 'Task not found'),
          h('p', { class: 'mono muted' }, id),
          h(
            'p',
            {},
            'It may still be pending (nothing is stored until it runs), have expired, or belong to a task that stores no results. This page keeps checking.',
          ),
        );
      }
    }
  };
  await load();
  return { refresh: load };
}
