/**
 * An object whose keys are the given names, each mapped to itself (`{ A: 'A', B: 'B' }`), typed
 * as such: written as one list, it ships each name once instead of twice.
 *
 * @example
 * ```ts
 * const Color = stringEnum('RED', 'GREEN'); // { readonly RED: 'RED'; readonly GREEN: 'GREEN' }
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function stringEnum<const T extends readonly string[]>(...names: T): { readonly [K in T[number]]: K } {
  return Object.freeze(Object.fromEntries(names.map((n) => [n, n]))) as { readonly [K in T[number]]: K };
}
