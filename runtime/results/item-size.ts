import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * The size DynamoDB bills for an item (write units are per started KB): attribute names plus
 * values. Strings and binaries by their bytes, numbers about one byte per two digits plus one,
 * lists and maps 3 bytes plus 1 per element, booleans and nulls 1.
 *
 * @example
 * ```ts
 * itemSize(marshall({ id: 'a', n: 12 })); // 1 + 1 + 1 + 2 = 5
 * ```
 */
export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.L !== undefined) return 3 + v.L.reduce((s, e) => s + 1 + valueSize(e), 0);
  if (v.M !== undefined) return 3 + itemSize(v.M) + Object.keys(v.M).length;
  if (v.SS !== undefined) return v.SS.reduce((s, e) => s + Buffer.byteLength(e), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, e) => s + numberSize(e), 0);
  if (v.BS !== undefined) return v.BS.reduce((s, e) => s + e.byteLength, 0);
  return 0;
}

function numberSize(n: string): number {
  const digits = n.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length;
  return Math.ceil(digits / 2) + 1;
}
