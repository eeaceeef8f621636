/**
 * Run a read with a time limit: at `timeoutMs` its signal aborts (abandoning the SDK call) and
 * the returned promise rejects with a `TimeoutError`, whatever the read does with the signal.
 *
 * @example
 * ```ts
 * const out = await boundedRead(2_000, (signal) => dynamodb.send(command, { abortSignal: signal }));
 * ```
 */
export async function boundedRead<T>(
  timeoutMs: number,
  what: string,
  read: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${what} took longer than ${timeoutMs} ms`);
      error.name = 'TimeoutError';
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([read(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
    expired.catch(() => undefined);
  }
}
