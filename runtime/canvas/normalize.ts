import type { CanvasNode, GroupNode } from './wire.js';

/** A group that can be dissolved into its surroundings: no link of its own, not `chunks`. */
const isPlainGroup = (node: CanvasNode): node is GroupNode =>
  node.kind === 'group' && !node.link?.length && !node.keep;

/**
 * Members of a group or chord header, with plain nested groups flattened into them. A member
 * left with no task at all (a chain of empty groups) is dropped, like an empty group.
 */
function flattenMembers(members: readonly CanvasNode[]): CanvasNode[] {
  return members
    .map(normalize)
    .flatMap((m) => (isPlainGroup(m) ? m.members : m.kind === 'chain' && m.steps.length === 0 ? [] : [m]));
}

/** Steps of a chain, with nested chains spliced in and groups unrolled as Celery does. */
function chainSteps(steps: readonly CanvasNode[]): CanvasNode[] {
  const out: CanvasNode[] = [];
  for (const raw of steps) {
    let step = normalize(raw);
    if (isPlainGroup(step) && step.members.length === 0) continue;
    if (isPlainGroup(step) && step.members.length === 1) step = step.members[0] as CanvasNode;
    if (step.kind === 'chain') out.push(...step.steps);
    else out.push(step);
  }
  return out;
}

/**
 * Normalise a frozen canvas the way Celery does before it runs. Pure; ids are kept.
 * - A group nested in a group, or placed among a chord's header members, is flattened into the
 *   enclosing group or header: `group(a, group(b, c))` gives `[ra, rb, rc]`.
 * - In a chain, a one-member group is that member (its result is the member's value, not a
 *   one-element list), and an empty group is dropped (the previous result passes on unchanged).
 *   Nested chains are spliced into the enclosing chain.
 * - A group that ends a chain (two members or more) stays a nested list.
 * - A group with a link of its own is never dissolved: its link must get its list. Nor is
 *   `chunks()`: its result is always a list of lists.
 *
 * @example
 * ```ts
 * normalize(group(a, group(b, c)).freeze()); // one group of a, b, c
 * ```
 */
export function normalize(node: CanvasNode): CanvasNode {
  switch (node.kind) {
    case 'task': {
      if (!node.link?.length && !node.linkError?.length) return node;
      return {
        ...node,
        ...(node.link?.length ? { link: node.link.map(normalize) } : {}),
        ...(node.linkError?.length ? { linkError: node.linkError.map(normalize) } : {}),
      };
    }
    case 'chain':
      return { kind: 'chain', steps: chainSteps(node.steps) };
    case 'group':
      return {
        ...node,
        members: flattenMembers(node.members),
        ...(node.link?.length ? { link: node.link.map(normalize) } : {}),
      };
    case 'chord':
      return { ...node, header: flattenMembers(node.header), body: normalize(node.body) };
  }
}
