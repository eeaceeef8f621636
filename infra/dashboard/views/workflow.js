// A workflow (chain, group, chord…) as a DAG, with a table of its tasks; or a picker of recent ones.
import { api } from '../api.js';
import { dagSvg, legend } from '../dag.js';
import { badge, duration, h, mount, shortId, when } from '../dom.js';

function picker(root, go) {
  const input = h('input', {
    id: 'wf-root',
    name: 'root',
    placeholder: 'Root task id',
    size: 40,
    spellcheck: 'false',
  });
  const recent = h('ul', { class: 'recent' }, h('li', { class: 'muted' }, 'Looking for recent workflows…'));
  mount(
    root,
    h('h1', {}, 'Workflows'),
    h(
      'form',
      {
        class: 'filters',
        onsubmit: (e) => {
          e.preventDefault();
          if (input.value.trim()) go(`/workflow/${encodeURIComponent(input.value.trim())}`);
        },
      },
      h(
        'div',
        { class: 'field grow' },
        h('label', { for: 'wf-root' }, 'Open a workflow by its root id'),
        input,
      ),
      h('button', { type: 'submit', class: 'primary' }, 'Open'),
    ),
    h('section', { class: 'panel' }, h('h2', {}, 'Recently active'), recent),
  );
  const load = async () => {
    const page = await api.tasks({ limit: 200 });
    const roots = new Map();
    for (const t of page.items) {
      if (t.rootId && t.rootId !== t.id && !roots.has(t.rootId)) roots.set(t.rootId, t);
    }
    mount(
      recent,
      roots.size
        ? [...roots].map(([rootId, t]) =>
            h(
              'li',
              {},
              h('a', { href: `#/workflow/${encodeURIComponent(rootId)}` }, shortId(rootId)),
              ' ',
              badge(t.state),
              ' ',
              h('span', { class: 'muted' }, `${t.task} · `),
              when(t.updatedAt),
            ),
          )
        : h('li', { class: 'muted' }, 'No workflow activity among the latest tasks.'),
    );
  };
  return load;
}

function members(nodes) {
  return h(
    'table',
    { class: 'tasks compact' },
    h('caption', { class: 'visually-hidden' }, 'Tasks of this workflow'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['State', 'Task', 'Id', 'Parent', 'Tries', 'Run time', 'Updated'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      nodes.map((n) =>
        h(
          'tr',
          {},
          h('td', {}, badge(n.state)),
          h('td', {}, n.task || h('span', { class: 'muted' }, 'not started')),
          h('td', {}, h('a', { href: `#/task/${encodeURIComponent(n.id)}` }, shortId(n.id))),
          h('td', {}, n.parentId ? shortId(n.parentId) : '—'),
          h('td', { class: 'num' }, String(n.attempts ?? 0)),
          h('td', { class: 'num' }, duration(n.runtimeMs)),
          h('td', {}, when(n.updatedAt)),
        ),
      ),
    ),
  );
}

export async function workflowView(root, { args, go }) {
  if (!args[0]) {
    const load = picker(root, go);
    await load();
    return { refresh: load };
  }
  const rootId = decodeURIComponent(args[0]);
  let last = '';
  const load = async () => {
    let wf;
    try {
      wf = await api.workflow(rootId);
    } catch (err) {
      if (err.status !== 404) throw err;
      mount(root, h('h1', {}, 'Workflow not found'), h('p', { class: 'mono muted' }, rootId));
      return;
    }
    const key = JSON.stringify(wf);
    if (key === last) return;
    last = key;
    mount(
      root,
      h('p', { class: 'crumbs' }, h('a', { href: '#/workflows' }, '← Workflows')),
      h('div', { class: 'page-head' }, h('h1', {}, 'Workflow'), legend(wf.counts)),
      h('p', { class: 'muted mono' }, rootId),
      h('div', { class: 'panel dag-wrap' }, dagSvg(wf)),
      wf.truncated ? h('p', { class: 'muted' }, 'Large workflow: only the first tasks are shown.') : '',
      h('section', { class: 'panel' }, h('h2', {}, 'Tasks'), members(wf.nodes)),
    );
  };
  await load();
  return { refresh: load };
}
