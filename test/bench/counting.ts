import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** Counts of SDK commands sent, by command name. */
export type CallCounts = Map<string, number>;

/** Count every command a client sends (a middleware at the SDK client, as billing sees it). */
export function countCalls(client: SQSClient | DynamoDBClient, counts: CallCounts): void {
  // Both clients share the same middleware stack shape; typed through one of them.
  (client as SQSClient).middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'celeriacBenchCounter' },
  );
}

export function sum(counts: CallCounts, names: readonly string[]): number {
  return names.reduce((n, name) => n + (counts.get(name) ?? 0), 0);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
