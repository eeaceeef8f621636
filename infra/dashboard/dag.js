// A layered DAG layout (longest path layers, barycentre ordering) drawn as inline SVG.
import { h, s } from './dom.js';

const NODE_W = 218;
const NODE_H = 56;
const COL_GAP = 84;
const ROW_GAP = 20;
const PAD = 24;

/** Assign each node a layer (column) and a row, with few edge crossings. */
export function layout(nodes, edges) {
  const ids = nodes.map((n) => n.id);
  const parents = new Map(ids.map((id) => [id, []]));
  const children = new Map(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (!parents.has(e.to) || !children.has(e.from)) continue;
    parents.get(e.to).push(e.from);
    children.get(e.from).push(e.to);
  }
  // Longest path from the sources (Kahn's order); anything left over (a cycle) stays in layer 0.
  const layer = new Map(ids.map((id) => [id, 0]));
  const indegree = new Map(ids.map((id) => [id, parents.get(id).length]));
  const queue = ids.filter((id) => indegree.get(id) === 0);
  while (queue.length) {
    const id = queue.shift();
    for (const child of children.get(id)) {
      layer.set(child, Math.max(layer.get(child), layer.get(id) + 1));
      indegree.set(child, indegree.get(child) - 1);
      if (indegree.get(child) === 0) queue.push(child);
    }
  }
  const layers = [];
  for (const id of ids) {
    const at = layer.get(id);
    if (!layers[at]) layers[at] = [];
    layers[at].push(id);
  }
  const pos = new Map();
  for (const col of layers) {
    col?.forEach((id, i) => {
      pos.set(id, i);
    });
  }
  const bary = (id, nbrs) => {
    const list = nbrs.get(id);
    return list.length ? list.reduce((a, n) => a + pos.get(n), 0) / list.length : pos.get(id);
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const col of order) {
      if (!col) continue;
      col.sort((a, b) => bary(a, down ? parents : children) - bary(b, down ? parents : children));
      col.forEach((id, i) => {
        pos.set(id, i);
      });
    }
  }
  const tallest = Math.max(...layers.map((c) => c?.length ?? 0));
  const coords = new Map();
  for (const [x, col] of layers.entries()) {
    if (!col) continue;
    const offset = ((tallest - col.length) * (NODE_H + ROW_GAP)) / 2;
    for (const [y, id] of col.entries()) {
      coords.set(id, { x: PAD + x * (NODE_W + COL_GAP), y: PAD + offset + y * (NODE_H + ROW_GAP) });
    }
  }
  return {
    coords,
    width: PAD * 2 + layers.length * NODE_W + Math.max(0, layers.length - 1) * COL_GAP,
    height: PAD * 2 + tallest * NODE_H + Math.max(0, tallest - 1) * ROW_GAP,
  };
}

const clip = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** The workflow as an SVG graph; each node links to its task. */
export function dagSvg(workflow) {
  const { nodes, edges, rootId } = workflow;
  const { coords, width, height } = layout(nodes, edges);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edgePaths = edges
    .filter((e) => coords.has(e.from) && coords.has(e.to))
    .map((e) => {
      const a = coords.get(e.from);
      const b = coords.get(e.to);
      const x1 = a.x + NODE_W;
      const y1 = a.y + NODE_H / 2;
      const x2 = b.x - 6;
      const y2 = b.y + NODE_H / 2;
      const mid = (x1 + x2) / 2;
      const state = byId.get(e.to)?.state ?? 'PENDING';
      return s('path', {
        class: `edge edge-${state.toLowerCase()}`,
        d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
        'marker-end': 'url(#arrow)',
      });
    });
  const nodeEls = nodes.map((n) => {
    const { x, y } = coords.get(n.id);
    const label = `${n.task || 'not started yet'}, ${n.state}, task ${n.id}`;
    return s(
      'a',
      {
        href: `#/task/${encodeURIComponent(n.id)}`,
        class: `node state-${n.state.toLowerCase()}`,
        'aria-label': label,
      },
      s('title', {}, label),
      s('rect', { x, y, width: NODE_W, height: NODE_H, rx: 10 }),
      s('rect', { class: 'node-bar', x, y, width: 6, height: NODE_H, rx: 3 }),
      s('text', { x: x + 16, y: y + 23, class: 'node-title' }, clip(n.task || '(pending)', 24)),
      s(
        'text',
        { x: x + 16, y: y + 42, class: 'node-sub' },
        `${n.state} · ${n.id.slice(0, 8)}${n.id === rootId ? ' · root' : ''}`,
      ),
    );
  });
  return s(
    'svg',
    {
      class: 'dag',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'group',
      'aria-label': `Workflow graph: ${nodes.length} tasks, ${edges.length} dependencies`,
    },
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }),
      ),
    ),
    s('g', {}, edgePaths),
    s('g', {}, nodeEls),
  );
}

/** Counts by state as a legend. */
export function legend(counts) {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Tasks by state' },
    Object.entries(counts).map(([state, n]) =>
      h(
        'li',
        {},
        h('span', { class: `swatch state-${state.toLowerCase()}`, 'aria-hidden': 'true' }),
        `${state} ${n}`,
      ),
    ),
  );
}
