import { describe, expect, it } from 'vitest';
import { errbacksOf } from '../../runtime/canvas/continue.js';
import { expand, type Outgoing } from '../../runtime/canvas/expand.js';
import { normalize } from '../../runtime/canvas/normalize.js';
import type { CanvasNode, GroupNode, TaskNode } from '../../runtime/canvas/wire.js';
import { resultRefOf } from '../../runtime/canvas/workflow-handle.js';

// The normalisation and expansion rules as pure functions of wire nodes.
const t = (id: string, extra: Partial<TaskNode> = {}): TaskNode => ({
  kind: 'task',
  id,
  task: 'add',
  queue: 'default',
  mode: 'partial',
  ...extra,
});
const g = (id: string, ...members: CanvasNode[]): GroupNode => ({ kind: 'group', id, members });
const chainOf = (...steps: CanvasNode[]): CanvasNode => ({ kind: 'chain', steps });
const ids = (nodes: readonly CanvasNode[]) => nodes.map((n) => (n.kind === 'task' ? n.id : n.kind));

describe('normalize', () => {
  it('flattens a group nested in a group, recursively', () => {
    const n = normalize(g('g1', t('a'), g('g2', t('b'), g('g3', t('c')))));
    expect(n.kind === 'group' && ids(n.members)).toEqual(['a', 'b', 'c']);
  });

  it("flattens groups among a chord's header members; drops empty ones", () => {
    const n = normalize({
      kind: 'chord',
      id: 'c',
      header: [g('g', t('a'), t('b')), t('c'), g('e')],
      body: t('s'),
    });
    expect(n.kind === 'chord' && ids(n.header)).toEqual(['a', 'b', 'c']);
  });

  it('in a chain: unrolls one-member groups, drops empty ones, splices nested chains; keeps a group of two', () => {
    const n = normalize(
      chainOf(t('a'), g('one', t('b')), g('none'), chainOf(t('c'), t('d')), g('two', t('e'), t('f'))),
    );
    expect(n.kind === 'chain' && ids(n.steps)).toEqual(['a', 'b', 'c', 'd', 'group']);
    expect(resultRefOf(n)).toEqual({
      kind: 'list',
      items: [
        { kind: 'task', id: 'e', task: 'add' },
        { kind: 'task', id: 'f', task: 'add' },
      ],
    });
  });

  it('never dissolves a group with a link, nor a chunks group (keep)', () => {
    const linked: GroupNode = { ...g('l', t('a')), link: [t('cb')] };
    const kept: GroupNode = { ...g('k', t('b')), keep: true };
    const n = normalize(chainOf(t('x'), linked, kept));
    expect(n.kind === 'chain' && ids(n.steps)).toEqual(['x', 'group', 'group']);
    const outer = normalize(g('o', linked, kept));
    expect(outer.kind === 'group' && outer.members).toHaveLength(2);
  });

  it('a group alone keeps one member and stays empty when empty', () => {
    expect(resultRefOf(normalize(g('g', t('a'))))).toEqual({
      kind: 'list',
      items: [{ kind: 'task', id: 'a', task: 'add' }],
    });
    expect(resultRefOf(normalize(g('g')))).toEqual({ kind: 'list', items: [] });
  });
});

describe('expand', () => {
  it('a group with a link joins into a collect task that carries the link', () => {
    const out: Outgoing[] = [];
    expand({ ...g('grp', t('a'), t('b')), link: [t('cb')] }, undefined, { steps: [] }, out);
    expect(out.map((o) => o.node.id)).toEqual(['a', 'b']);
    const body = out[0]!.chord!.body;
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ task: 'celeriac.collect', link: [{ id: 'cb' }] });
  });

  it('an input reaches the first step of a chain and every member of a group', () => {
    const out: Outgoing[] = [];
    expand(g('g', t('a'), chainOf(t('b'), t('c'))), { value: { x: 1 } }, { steps: [] }, out);
    expect(out.map((o) => [o.node.id, o.args])).toEqual([
      ['a', { x: 1 }],
      ['b', { x: 1 }],
    ]);
  });
});

describe('errbacksOf (a chord body’s errbacks)', () => {
  it('collects each errback once across the body chain, skipping inner chord headers', () => {
    const e = t('e1');
    const body: CanvasNode[] = [
      t('s1', { linkError: [e] }),
      t('s2', { linkError: [e, t('e2')] }),
      {
        kind: 'chord',
        id: 'c',
        header: [t('h', { linkError: [t('eh')] })],
        body: t('b', { linkError: [t('e3')] }),
      },
    ];
    expect(errbacksOf(body).map((n) => (n.kind === 'task' ? n.id : '?'))).toEqual(['e1', 'e2', 'e3']);
  });
});
