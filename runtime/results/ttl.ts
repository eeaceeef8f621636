/**
 * The TTL attribute (epoch seconds, as DynamoDB's TTL wants it) as epoch ms, the unit of every
 * other timestamp users read; 0 when absent.
 *
 * @example
 * ```ts
 * ttlToMs(1_767_225_600); // 1_767_225_600_000
 * ```
 */
export function ttlToMs(value: unknown): number {
  return typeof value === 'number' ? value * 1000 : 0;
}
