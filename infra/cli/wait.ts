import { FINAL_STATES } from '../../runtime/constants.js';
import type { CeleriacClient, TaskRecord } from '../../runtime/internal.js';

/**
 * Poll a task until it reaches a final state; `undefined` when the time runs out.
 *
 * @example
 * ```ts
 * const rec = await waitForFinal(client, id, 60_000);
 * ```
 */
export async function waitForFinal(
  client: CeleriacClient,
  id: string,
  timeoutMs: number,
  intervalMs = 250,
  onState?: (state: string) => void,
): Promise<TaskRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const rec = await client.results.get(id);
    const state = rec?.state ?? 'PENDING';
    if (state !== last) onState?.(state);
    last = state;
    if (rec && FINAL_STATES.has(rec.state)) return rec;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
