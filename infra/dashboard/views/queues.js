// Queues: depth, in flight, delayed, DLQ size; redrive and purge.
import { api } from '../api.js';
import { h, mount, toast } from '../dom.js';

function count(n, warn) {
  return h('span', { class: `count${warn && n > 0 ? ' count-bad' : ''}` }, String(n));
}

export async function queuesView(root) {
  const tbody = h('tbody', {});
  const busy = new Set();

  const act = async (button, label, fn) => {
    busy.add(button.dataset.key);
    button.disabled = true;
    const text = button.textContent;
    button.textContent = label;
    try {
      await fn();
    } catch (err) {
      toast(`${err.code}: ${err.message}`, 'error');
    } finally {
      busy.delete(button.dataset.key);
      button.textContent = text;
      await load();
    }
  };

  const row = (q) => {
    const redrive = h(
      'button',
      {
        type: 'button',
        class: 'primary small',
        disabled: q.dlq.visible === 0,
        dataset: { key: `redrive-${q.name}`, action: 'redrive' },
      },
      'Redrive DLQ',
    );
    redrive.addEventListener('click', () =>
      act(redrive, 'Moving…', async () => {
        let total = 0;
        for (;;) {
          const out = await api.redrive(q.name);
          total += out.moved;
          if (!out.more || out.moved === 0) break;
        }
        toast(`Moved ${total} message(s) from ${q.dlqName} back to ${q.queueName}`, 'ok');
      }),
    );
    const purge = (target) => {
      const button = h(
        'button',
        {
          type: 'button',
          class: 'danger small',
          dataset: { key: `purge-${target}-${q.name}`, action: `purge-${target}` },
        },
        target === 'dlq' ? 'Purge DLQ' : 'Purge queue',
      );
      button.addEventListener('click', () => {
        const name = target === 'dlq' ? q.dlqName : q.queueName;
        if (!confirm(`Delete every message in ${name}? This cannot be undone.`)) return;
        act(button, 'Purging…', async () => {
          await api.purge(q.name, target);
          toast(`Purged ${name}`, 'ok');
        });
      });
      return button;
    };
    return h(
      'tr',
      { dataset: { queue: q.name } },
      h('th', { scope: 'row' }, h('div', {}, q.name), h('div', { class: 'muted small mono' }, q.queueName)),
      h('td', { class: 'num', dataset: { col: 'visible' } }, count(q.counts.visible)),
      h('td', { class: 'num', dataset: { col: 'inflight' } }, count(q.counts.inFlight)),
      h('td', { class: 'num', dataset: { col: 'delayed' } }, count(q.counts.delayed)),
      h('td', { class: 'num', dataset: { col: 'dlq' } }, count(q.dlq.visible + q.dlq.inFlight, true)),
      h(
        'td',
        { class: 'small' },
        q.tasks.length ? q.tasks.join(', ') : h('span', { class: 'muted' }, 'none'),
      ),
      h('td', { class: 'actions' }, redrive, purge('dlq'), purge('queue')),
    );
  };

  const load = async () => {
    if (busy.size) return;
    const { queues } = await api.queues();
    mount(tbody, queues.map(row));
  };

  mount(
    root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Queues')),
    h(
      'p',
      { class: 'muted' },
      'Counts are SQS approximations. Redrive moves dead letters back to their queue to run again; purge deletes every message.',
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'queues' },
        h('caption', { class: 'visually-hidden' }, 'Queues and their dead-letter queues'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Queue', 'Waiting', 'In flight', 'Delayed', 'Dead letters', 'Tasks', 'Actions'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        tbody,
      ),
    ),
  );
  await load();
  return { refresh: load };
}
