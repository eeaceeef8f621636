import { Defaults } from '../constants.js';
import type { Envelope } from '../envelope.js';
import type { Outgoing } from './expand.js';

/** Where a batch of canvas messages sits in its workflow. */
export interface EnvelopeContext {
  readonly root: string;
  /** The task whose completion sends them (absent for the first messages of a workflow). */
  readonly parent?: string;
  readonly now: number;
  /** Set when these are the first tasks of a chord's body. */
  readonly joinOf?: string;
  readonly tags?: readonly string[];
  /**
   * When the runtime minted the workflow's ids (its `apply()`), carried to every message it
   * sends later: see `Envelope.born`. Absent when the root was not minted there.
   */
  readonly born?: number | undefined;
}

/**
 * Build the envelopes of canvas messages: ids frozen in the nodes, the rest of the chain and the
 * chord membership carried along, `workflow` set so each is indexed by its root.
 *
 * @example
 * ```ts
 * const envelopes = toEnvelopes(out, { root, now: Date.now() });
 * ```
 */
export function toEnvelopes(out: readonly Outgoing[], ctx: EnvelopeContext): Envelope[] {
  return out.map(({ node, args, chain, chord }) => ({
    v: Defaults.ENVELOPE_VERSION,
    id: node.id,
    task: node.task,
    args,
    queue: node.queue,
    enqueuedAt: ctx.now,
    ...(node.delayMs ? { eta: ctx.now + node.delayMs } : {}),
    root: ctx.root,
    ...(ctx.parent ? { parent: ctx.parent } : {}),
    ...(ctx.tags?.length ? { tags: ctx.tags } : {}),
    workflow: true,
    ...(chain?.length ? { chain } : {}),
    ...(chord ? { chord } : {}),
    ...(ctx.joinOf ? { joinOf: ctx.joinOf } : {}),
    ...(node.link?.length ? { link: node.link } : {}),
    ...(node.linkError?.length ? { linkError: node.linkError } : {}),
    ...(node.maxAttempts ? { maxAttempts: node.maxAttempts } : {}),
    ...(ctx.born !== undefined ? { born: ctx.born } : {}),
  }));
}
