/**
 * A function that builds its value on the first call and returns the same value afterwards:
 * how modules defer work (schemas, tables) from import time to first use.
 *
 * @example
 * ```ts
 * const schemas = once(() => ({ header: v.object({ id: v.string() }) }));
 * v.parse(schemas().header, json);
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function once<T>(build: () => T): () => T {
  let value: { readonly v: T } | undefined;
  return () => {
    value ??= { v: build() };
    return value.v;
  };
}
