import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TablePlan } from '../../runtime/plan.js';

/** Properties of a {@link ResultsTable}. */
export interface ResultsTableProps {
  /** The table's part of the plan. */
  readonly plan: TablePlan;
  /**
   * Use the plan's table name.
   * @default true
   */
  readonly usePlanNames?: boolean;
  /**
   * What happens to the table when the stack is deleted; `RETAIN` also turns on deletion
   * protection.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** DynamoDB actions by use. No Scan anywhere: every read path is a key lookup or a Query. */
export const TableActions = {
  /**
   * The worker's item actions: GetItem (chord joins, run-once claims), BatchGetItem (the
   * batch's revocation items, a chord's counter shards, its member results when the body
   * fires), PutItem (a first record, a batch's success summary, a chord member's result,
   * run-once claims, idempotency keys of tasks enqueued from a task), UpdateItem (state
   * transitions, chord counters, rate-limit windows, run-once completion) and DeleteItem (a
   * run-once claim released after a failed attempt, an idempotency key after a failed send).
   * Query only on the `byRoot` index (`getWorkflow()` from a task), granted apart. No Scan.
   */
  WORKER: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ],
  /** A producer reading the tasks it holds handles of, by id (`result()`, `get()`, group waits). */
  HANDLE_READ: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
  /** The results API, dashboard and CLI. */
  READ: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
} as const;

/** Key prefix of revocation items (`runtime/worker/revocations.ts`). */
export const REVOCATION_KEYS = '_revoked#*';
/** Key prefix of enqueue idempotency keys (`runtime/idempotency/enqueue-key.ts`). */
export const IDEMPOTENCY_KEYS = 'idem#*';

/**
 * The results table: one item per task keyed by `id`, on-demand, TTL on the plan's attribute,
 * point-in-time recovery, AWS-managed encryption, and the plan's sharded indexes (projection
 * INCLUDE of the list-row attributes).
 *
 * @example
 * ```ts
 * const results = new ResultsTable(this, 'Results', { plan: plan.table });
 * results.grantRead(apiFunction);
 * ```
 */
export class ResultsTable extends Construct {
  /** The table (child id `Resource`). */
  readonly table: dynamodb.Table;
  /** Names of the global secondary indexes. */
  readonly indexNames: readonly string[];

  constructor(scope: Construct, id: string, props: ResultsTableProps) {
    super(scope, id);
    const { plan } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new dynamodb.Table(this, 'Resource', {
      tableName: (props.usePlanNames ?? true) ? plan.tableName : undefined,
      partitionKey: { name: plan.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: plan.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    for (const index of plan.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.projected],
      });
    }
    this.indexNames = plan.indexes.map((i) => i.name);
  }

  /** ARNs of every index, spelled out (no `index/*` wildcard). */
  get indexArns(): string[] {
    return this.indexNames.map((name) => `${this.table.tableArn}/index/${name}`);
  }

  /** ARN of one index by name. */
  indexArn(name: string): string {
    return `${this.table.tableArn}/index/${name}`;
  }

  /**
   * Grant `actions` on the table's items whose partition key matches `keyPattern` (for
   * example `idem#*`): a `dynamodb:LeadingKeys` condition, so no other item is reachable.
   *
   * @example
   * ```ts
   * results.grantKeyPrefix(fn, ['dynamodb:PutItem'], IDEMPOTENCY_KEYS);
   * ```
   */
  grantKeyPrefix(grantee: iam.IGrantable, actions: readonly string[], keyPattern: string): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...actions],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keyPattern] } },
    });
  }

  /**
   * Grant `dynamodb:Query` on one index only (not the table, not the other indexes).
   *
   * @example
   * ```ts
   * results.grantQueryIndex(fn, 'byRoot');
   * ```
   */
  grantQueryIndex(grantee: iam.IGrantable, indexName: string): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [this.indexArn(indexName)],
    });
  }

  /**
   * Grant `actions` on the table; `Query` also on each index by name.
   *
   * @example
   * ```ts
   * results.grantActions(fn, TableActions.READ);
   * ```
   */
  grantActions(grantee: iam.IGrantable, actions: readonly string[]): iam.Grant {
    const itemActions = actions.filter((a) => a !== 'dynamodb:Query');
    let grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...itemActions],
      resourceArns: [this.table.tableArn],
    });
    if (actions.includes('dynamodb:Query')) {
      grant = grant.combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['dynamodb:Query'],
          resourceArns: [this.table.tableArn, ...this.indexArns],
        }),
      );
    }
    return grant;
  }
}
