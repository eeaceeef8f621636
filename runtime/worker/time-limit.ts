/** Raised (and recorded) when an attempt runs past its time limit. */
export class TimeLimitExceeded extends Error {
  override readonly name = 'TimeLimitExceeded';
  constructor(readonly limitMs: number) {
    super(`time limit of ${limitMs} ms exceeded`);
  }
}

/**
 * Run `fn` with an AbortSignal that fires after `limitMs`. Resolves with `fn`'s value, or
 * rejects with {@link TimeLimitExceeded} at the limit even if `fn` ignores the signal.
 *
 * @example
 * ```ts
 * await withTimeLimit(5_000, (signal) => fetch(url, { signal }));
 * ```
 */
export async function withTimeLimit<T>(limitMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const error = new TimeLimitExceeded(limitMs);
        controller.abort(error);
        reject(error);
      },
      Math.max(0, limitMs),
    );
  });
  try {
    return await Promise.race([fn(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
