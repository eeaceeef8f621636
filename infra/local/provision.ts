import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { CeleriacConfig, ResourcePlan } from '../../runtime/internal.js';

/**
 * Create the plan's queues (each with its DLQ and redrive policy) and its results table
 * (indexes, TTL) on the given servers, idempotently and all at once, and return the queues'
 * URLs by logical name (the client config is then built by `clientConfigFor`, as the CDK
 * construct does).
 *
 * @example
 * ```ts
 * const urls = await provisionPlan(planOf(registry), sqs, dynamodb);
 * ```
 */
export async function provisionPlan(
  plan: ResourcePlan,
  sqs: SQSClient,
  dynamodb: DynamoDBClient,
): Promise<CeleriacConfig['queues']> {
  // Every queue pair and the table are created at once: start-up waits for the slowest, not the sum.
  const createQueues = plan.queues.map(async (q) => {
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: q.dlqName,
        Attributes: {
          MessageRetentionPeriod: String(q.dlqRetentionSeconds),
          MaximumMessageSize: String(q.maxMessageBytes),
        },
      }),
    );
    const dlqAttrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const main = await sqs.send(
      new CreateQueueCommand({
        QueueName: q.queueName,
        Attributes: {
          VisibilityTimeout: String(q.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(q.retentionSeconds),
          MaximumMessageSize: String(q.maxMessageBytes),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqAttrs.Attributes?.QueueArn,
            maxReceiveCount: String(q.maxReceiveCount),
          }),
        },
      }),
    );
    return [q.name, { url: main.QueueUrl!, dlqUrl: dlq.QueueUrl! }] as const;
  });
  const t = plan.table;
  const createTable = async () => {
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: t.tableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: t.partitionKey, KeyType: 'HASH' }],
          AttributeDefinitions: [
            { AttributeName: t.partitionKey, AttributeType: 'S' },
            ...[...new Set(t.indexes.flatMap((ix) => [ix.partitionKey, ix.sortKey]))].map((name) => ({
              AttributeName: name,
              AttributeType: 'S' as const,
            })),
          ],
          GlobalSecondaryIndexes: t.indexes.map((ix) => ({
            IndexName: ix.name,
            KeySchema: [
              { AttributeName: ix.partitionKey, KeyType: 'HASH' as const },
              { AttributeName: ix.sortKey, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...ix.projected] },
          })),
        }),
      );
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: t.tableName,
          TimeToLiveSpecification: { AttributeName: t.ttlAttribute, Enabled: true },
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
  };
  const [created] = await Promise.all([Promise.all(createQueues), createTable()]);
  return Object.fromEntries(created);
}
