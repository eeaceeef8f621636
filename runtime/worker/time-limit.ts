/** Raised (and recorded) when an attempt runs past its time limit. */
export class TimeLimitExceeded extends Error {
  override readonly name = 'TimeLimitExceeded';
  constructor(readonly limitMs: number) {
    super(`time limit of ${limitMs} ms exceeded`);
  }
}

/**
 * Run `fn` with an AbortSignal that fires after `limitMs` — or earlier, when `controller` is
 * aborted from outside (a revocation). Resolves with `fn`'s value, or rejects with the abort
 * reason ({@link TimeLimitExceeded} at the limit) even if `fn` ignores the signal.
 *
 * @example
 * ```ts
 * await withTimeLimit(5_000, (signal) => fetch(url, { signal }));
 * ```
 */
export async function withTimeLimit<T>(
  limitMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
  controller: AbortController = new AbortController(),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(controller.signal.reason);
    controller.signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => controller.abort(new TimeLimitExceeded(limitMs)), Math.max(0, limitMs));
  });
  try {
    return await Promise.race([fn(controller.signal), aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort) controller.signal.removeEventListener('abort', onAbort);
  }
}
