import { ErrorCode, invalid } from './errors.js';

/** A JSON value: what task arguments and results are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Deepest nesting of arrays and objects accepted in arguments, results and message bodies.
 * `JSON.stringify` itself overflows the stack a few thousand levels down, which would make a
 * value impossible to send or record; refusing it early gives a clear error instead.
 */
export const JSON_MAX_DEPTH = 1_000;

/**
 * True when `value` nests arrays or objects deeper than `max` levels. Iterative: safe on any depth.
 *
 * @example
 * ```ts
 * nestedDeeperThan([[1]], 1); // true
 * ```
 */
export function nestedDeeperThan(value: unknown, max: number = JSON_MAX_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * Serialise `value` as JSON, refusing anything JSON cannot carry faithfully: functions,
 * symbols, `undefined` in arrays, non-finite numbers, BigInt, class instances (Date, Map, …)
 * and cycles. Object properties set to `undefined` are dropped, as JSON does.
 *
 * @throws CeleriacError `NOT_JSON` naming the path of the offending value.
 * @example
 * ```ts
 * toJson({ to: 'a@b.c' }, 'args'); // '{"to":"a@b.c"}'
 * toJson({ at: new Date() }, 'args'); // throws: args.at is a Date
 * ```
 */
export function toJson(value: unknown, what: string): string {
  assertJson(value, what, new Set(), 0);
  return JSON.stringify(value);
}

/**
 * Check that `value` is JSON (as {@link toJson} does) without serialising it.
 *
 * @throws CeleriacError `NOT_JSON` naming the path of the offending value.
 * @example
 * ```ts
 * assertJsonValue(args, 'task "add" args');
 * ```
 */
export function assertJsonValue(value: unknown, what: string): void {
  assertJson(value, what, new Set(), 0);
}

function assertJson(value: unknown, path: string, seen: Set<object>, depth: number): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw invalid(ErrorCode.NOT_JSON, `${path} is not a finite number`, value, 'JSON values only');
  }
  if (typeof value !== 'object') {
    throw invalid(ErrorCode.NOT_JSON, `${path} is a ${typeof value}`, String(value), 'JSON values only');
  }
  if (seen.has(value)) throw invalid(ErrorCode.NOT_JSON, `${path} is a cycle`, '[cycle]', 'JSON values only');
  if (depth >= JSON_MAX_DEPTH) {
    throw invalid(
      ErrorCode.NOT_JSON,
      `${path.slice(0, 200)}… is nested deeper than ${JSON_MAX_DEPTH} levels`,
      '[deep value]',
      `at most ${JSON_MAX_DEPTH} levels of arrays and objects`,
    );
  }
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (item === undefined)
        throw invalid(ErrorCode.NOT_JSON, `${path}[${i}] is undefined`, item, 'JSON values');
      assertJson(item, `${path}[${i}]`, seen, depth + 1);
    });
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'class instance';
      throw invalid(
        ErrorCode.NOT_JSON,
        `${path} is a ${kind}`,
        kind,
        'plain objects, arrays, strings, finite numbers, booleans and null (pass a Date as an ISO string)',
      );
    }
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) assertJson(item, `${path}.${key}`, seen, depth + 1);
    }
  }
  seen.delete(value);
}

/** Byte length of a string in UTF-8. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
