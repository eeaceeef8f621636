/** us-east-1 list prices from ../shared/reference/aws-limits.md (late 2026), in USD. */
export const Prices = {
  sqsPerMillionRequests: 0.4,
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
} as const;

/** Approximate DynamoDB item size: attribute names plus values, as DynamoDB bills it. */
export function itemBytes(value: unknown, name = ''): number {
  const n = Buffer.byteLength(name);
  if (value === null || value === undefined) return n + 1;
  if (typeof value === 'string') return n + Buffer.byteLength(value);
  if (typeof value === 'number') return n + Math.ceil(String(value).replace(/^-/, '').length / 2) + 1;
  if (typeof value === 'boolean') return n + 1;
  if (Array.isArray(value)) return n + 3 + value.reduce((s: number, v) => s + 1 + itemBytes(v), 0);
  return n + 3 + Object.entries(value as object).reduce((s, [k, v]) => s + 1 + itemBytes(v, k), 0);
}
