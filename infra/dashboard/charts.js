// Small inline-SVG charts: stacked bars and lines over time buckets, with axes and hover titles.
import { s } from './dom.js';

const W = 1000;
const H = 210;
const M = { top: 16, right: 16, bottom: 28, left: 48 };

/** A round top for the axis: four equal steps of 1, 2 or 5 × 10^k. */
function niceMax(v) {
  if (v <= 0) return 4;
  const raw = v / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((m) => m >= raw);
  return step * 4;
}

function clock(ms, spanMs) {
  const d = new Date(ms);
  return spanMs > 86_400_000 * 2
    ? d.toLocaleDateString([], { month: 'short', day: 'numeric' })
    : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function frame(buckets, max, format, label) {
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const span = buckets.length ? buckets[buckets.length - 1].start - buckets[0].start : 0;
  const every = Math.max(1, Math.ceil(buckets.length / 6));
  return {
    iw,
    ih,
    x: (i) => M.left + (i / Math.max(1, buckets.length)) * iw,
    y: (v) => M.top + ih - (v / max) * ih,
    axes: [
      ...ticks.map((t) =>
        s(
          'g',
          { class: 'tick' },
          s('line', {
            x1: M.left,
            x2: W - M.right,
            y1: M.top + ih - (t / max) * ih,
            y2: M.top + ih - (t / max) * ih,
          }),
          s('text', { x: M.left - 8, y: M.top + ih - (t / max) * ih + 4, 'text-anchor': 'end' }, format(t)),
        ),
      ),
      ...buckets
        .map((b, i) => [b, i])
        .filter(([, i]) => i % every === 0)
        .map(([b, i]) =>
          s(
            'text',
            {
              class: 'xlabel',
              x: M.left + ((i + 0.5) / buckets.length) * iw,
              y: H - 8,
              'text-anchor': 'middle',
            },
            clock(b.start, span),
          ),
        ),
    ],
    svg: (...children) =>
      s(
        'svg',
        { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label },
        s('title', {}, label),
        ...children,
      ),
  };
}

/** Stacked bars: series = [{ key, label, cls, value(bucket) }]. */
export function stackedBars(buckets, series, label) {
  const totals = buckets.map((b) => series.reduce((a, sr) => a + sr.value(b), 0));
  const max = niceMax(Math.max(1, ...totals));
  const f = frame(buckets, max, (v) => String(Math.round(v)), label);
  const bw = (f.iw / Math.max(1, buckets.length)) * 0.8;
  const bars = buckets.flatMap((b, i) => {
    let acc = 0;
    return series.map((sr) => {
      const v = sr.value(b);
      const y0 = f.y(acc);
      acc += v;
      const y1 = f.y(acc);
      if (!v) return null;
      return s(
        'rect',
        { class: `bar ${sr.cls}`, x: f.x(i) + bw * 0.125, y: y1, width: bw, height: Math.max(0, y0 - y1) },
        s('title', {}, `${clock(b.start, 0)} · ${sr.label}: ${v}`),
      );
    });
  });
  return f.svg(...f.axes, ...bars.filter(Boolean));
}

/** Lines: series = [{ label, cls, value(bucket) → number | undefined }]. */
export function lines(buckets, series, label, format) {
  const values = buckets.flatMap((b) => series.map((sr) => sr.value(b)).filter((v) => v !== undefined));
  const max = niceMax(Math.max(1, ...values));
  const f = frame(buckets, max, format, label);
  const step = f.iw / Math.max(1, buckets.length);
  const paths = series.map((sr) => {
    const pts = buckets
      .map((b, i) => [i, sr.value(b)])
      .filter(([, v]) => v !== undefined)
      .map(([i, v]) => [f.x(i) + step / 2, f.y(v), i, v]);
    return s(
      'g',
      { class: `series ${sr.cls}` },
      s('path', { d: pts.map(([x, y], k) => `${k ? 'L' : 'M'}${x},${y}`).join(' ') }),
      pts.map(([x, y, i, v]) =>
        s(
          'circle',
          { cx: x, cy: y, r: 3 },
          s('title', {}, `${clock(buckets[i].start, 0)} · ${sr.label}: ${format(v)}`),
        ),
      ),
    );
  });
  return f.svg(...f.axes, ...paths);
}
