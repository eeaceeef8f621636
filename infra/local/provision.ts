import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type CeleriacConfig, type ResourcePlan, routesOf } from '../../runtime/internal.js';

/** Endpoints of the local (or any AWS-compatible) servers. */
export interface LocalEndpoints {
  readonly region: string;
  readonly sqs: string;
  readonly dynamodb: string;
  readonly scheduler?: string;
}

/**
 * Create the plan's queues (each with its DLQ and redrive policy) and its results table
 * (indexes, TTL) on the given servers, idempotently, and return the client config.
 *
 * @example
 * ```ts
 * const config = await provisionPlan(registry.plan(), sqs, dynamodb, endpoints);
 * ```
 */
export async function provisionPlan(
  plan: ResourcePlan,
  sqs: SQSClient,
  dynamodb: DynamoDBClient,
  endpoints: LocalEndpoints,
): Promise<CeleriacConfig> {
  const queues: CeleriacConfig['queues'] = {};
  for (const q of plan.queues) {
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
    queues[q.name] = { url: main.QueueUrl!, dlqUrl: dlq.QueueUrl! };
  }
  const t = plan.table;
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
  return {
    region: endpoints.region,
    table: t.tableName,
    queues,
    routes: routesOf(plan),
    resultShards: t.shards,
    endpoints: {
      sqs: endpoints.sqs,
      dynamodb: endpoints.dynamodb,
      ...(endpoints.scheduler ? { scheduler: endpoints.scheduler } : {}),
    },
  };
}
