import { NonRetriable, Retry } from '../../../runtime/control.js';
import { createRegistry } from '../../../runtime/registry.js';
import { task } from '../../../runtime/task.js';

/** The tasks the worker unit tests run; each records what it was called with. */
export const calls: { task: string; args: unknown; attempt: number }[] = [];

export const echo = task('echo', {}, (args: unknown, ctx) => {
  calls.push({ task: 'echo', args, attempt: ctx.attempt });
  return args;
});
export const nothing = task('nothing', {}, () => undefined);
export const flaky = task('flaky', { retry: { maxAttempts: 3, backoff: '10s' } }, () => {
  throw new TypeError('flaky failed');
});
export const brief = task('brief', { retry: { maxAttempts: 3, backoff: '2s' } }, () => {
  throw new TypeError('brief failed');
});
export const later = task('later', { retry: { maxAttempts: 3 } }, () => {
  throw new Retry('42s', 'not ready');
});
export const fatal = task('fatal', {}, () => {
  throw new NonRetriable('no card on file');
});
export const picky = task('picky', { retry: { maxAttempts: 3, retryOn: ['TimeoutError'] } }, () => {
  throw new TypeError('not a timeout');
});
export const thrower = task('thrower', { retry: { maxAttempts: 1 } }, (args: { what: string }) => {
  throw oddValue(args.what);
});
export const dated = task('dated', {}, () => new Date(0));
export const quiet = task('quiet', { result: 'errors' }, () => new Date(0));
export const silent = task('silent', { result: 'never' }, () => 'unseen');
export const once = task('once', { runOnce: true }, (args: unknown) => {
  calls.push({ task: 'once', args, attempt: 0 });
  return { ran: true };
});
export const onceFlaky = task('onceFlaky', { runOnce: true }, () => {
  throw new Error('flaky once');
});
export const onceDated = task('onceDated', { runOnce: true }, () => new Date(0));
export const started = task('started', { trackStarted: true }, () => 'ok');
export const limited = task('limited', { rateLimit: '1/m' }, () => 'ok');
export const slow = task(
  'slow',
  { timeout: '50ms', retry: { maxAttempts: 2, backoff: '1s' } },
  (_: unknown, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('late'))),
);
export const deep = task('deep', {}, (args: { depth: number }) => nest(args.depth));

/** A value nested `depth` levels deep. */
export function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** An envelope body whose arguments nest `depth` levels deep (built as text: too deep to stringify). */
export function deepBody(id: string, depth: number): string {
  const args = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return `{"v":1,"id":"${id}","task":"echo","args":${args},"queue":"default","enqueuedAt":1}`;
}

/** The odd values a task may throw (issue: the record path must survive each). */
export function oddValue(what: string): unknown {
  switch (what) {
    case 'null-prototype':
      return Object.create(null);
    case 'toString-throws': {
      const err = new Error('boom');
      err.toString = () => {
        throw new Error('toString exploded');
      };
      return err;
    }
    case 'message-not-string':
      return Object.assign(new Error('x'), { message: { nested: true } });
    case 'huge-name':
      return Object.assign(new Error('named'), { name: 'N'.repeat(500_000) });
    default:
      return undefined;
  }
}

export const registry = createRegistry({
  app: 'unit',
  tasks: [
    echo,
    nothing,
    flaky,
    brief,
    later,
    fatal,
    picky,
    thrower,
    dated,
    quiet,
    silent,
    once,
    onceFlaky,
    started,
    limited,
    slow,
    deep,
  ],
});
