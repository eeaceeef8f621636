import { ErrorCode, invalid } from './errors.js';

/** A JSON value: what task arguments and results are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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
  assertJson(value, what, new Set());
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
  assertJson(value, what, new Set());
}

function assertJson(value: unknown, path: string, seen: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw invalid(ErrorCode.NOT_JSON, `${path} is not a finite number`, value, 'JSON values only');
  }
  if (typeof value !== 'object') {
    throw invalid(ErrorCode.NOT_JSON, `${path} is a ${typeof value}`, String(value), 'JSON values only');
  }
  if (seen.has(value)) throw invalid(ErrorCode.NOT_JSON, `${path} is a cycle`, '[cycle]', 'JSON values only');
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (item === undefined)
        throw invalid(ErrorCode.NOT_JSON, `${path}[${i}] is undefined`, item, 'JSON values');
      assertJson(item, `${path}[${i}]`, seen);
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
      if (item !== undefined) assertJson(item, `${path}.${key}`, seen);
    }
  }
  seen.delete(value);
}

/** Byte length of a string in UTF-8. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
