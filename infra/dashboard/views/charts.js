// Throughput, failures and latency over time, from /api/stats.
import { api } from '../api.js';
import { lines, stackedBars } from '../charts.js';
import { duration, h, mount } from '../dom.js';

const WINDOWS = [
  ['15m', '15 min'],
  ['1h', '1 hour'],
  ['6h', '6 hours'],
  ['24h', '24 hours'],
];

function legendOf(series) {
  return h(
    'ul',
    { class: 'legend' },
    series.map((sr) =>
      h('li', {}, h('span', { class: `swatch ${sr.cls}`, 'aria-hidden': 'true' }), sr.label),
    ),
  );
}

export async function chartsView(root, { params, remember }) {
  let since = params.get('since') || '1h';
  const body = h('div', { class: 'charts' });
  const picker = h(
    'div',
    { class: 'segmented', role: 'group', 'aria-label': 'Time window' },
    WINDOWS.map(([value, text]) =>
      h(
        'button',
        {
          type: 'button',
          'aria-pressed': String(value === since),
          onclick: (e) => {
            since = value;
            remember('/charts', { since });
            for (const b of picker.children) b.setAttribute('aria-pressed', String(b === e.currentTarget));
            load();
          },
        },
        text,
      ),
    ),
  );
  const load = async () => {
    const stats = await api.stats({ since });
    const b = stats.buckets;
    const done = [
      { label: 'Succeeded', cls: 'ok', value: (x) => x.counts.SUCCESS ?? 0 },
      { label: 'Failed', cls: 'bad', value: (x) => x.counts.FAILURE ?? 0 },
    ];
    const issues = [
      { label: 'Failed', cls: 'bad', value: (x) => x.counts.FAILURE ?? 0 },
      { label: 'Retried', cls: 'warn', value: (x) => x.counts.RETRY ?? 0 },
      { label: 'Revoked', cls: 'muted', value: (x) => x.counts.REVOKED ?? 0 },
    ];
    const latency = [
      { label: 'Run time p50', cls: 'info', value: (x) => x.runtimeP50 },
      { label: 'Run time p95', cls: 'violet', value: (x) => x.runtimeP95 },
      { label: 'Queue wait p50', cls: 'muted', value: (x) => x.waitP50 },
    ];
    const per = duration(stats.bucketMs).replace(/\.0+ /, ' ');
    const t = stats.totals;
    mount(
      body,
      h(
        'div',
        { class: 'cards' },
        [
          ['Finished', (t.SUCCESS ?? 0) + (t.FAILURE ?? 0), ''],
          ['Succeeded', t.SUCCESS ?? 0, 'ok'],
          ['Failed', t.FAILURE ?? 0, 'bad'],
          ['Retrying', t.RETRY ?? 0, 'warn'],
        ].map(([label, value, cls]) =>
          h(
            'div',
            { class: `card ${cls}` },
            h('span', { class: 'card-value' }, String(value)),
            h('span', { class: 'card-label' }, label),
          ),
        ),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, `Throughput (tasks finished per ${per})`),
        legendOf(done),
        stackedBars(b, done, 'Tasks finished over time, succeeded and failed'),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, `Failures and retries per ${per}`),
        legendOf(issues),
        stackedBars(b, issues, 'Failures, retries and revocations over time'),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Latency'),
        legendOf(latency),
        lines(b, latency, 'Run time and queue wait percentiles over time', duration),
      ),
      stats.truncated
        ? h('p', { class: 'muted' }, 'Busy window: counts are lower bounds (read limit reached).')
        : '',
    );
  };
  mount(root, h('div', { class: 'page-head' }, h('h1', {}, 'Charts'), picker), body);
  await load();
  // Stats read the whole window: refresh every 30 s rather than on every 2 s tick.
  let at = Date.now();
  return {
    refresh: async () => {
      if (Date.now() - at < 30_000) return;
      at = Date.now();
      await load();
    },
  };
}
