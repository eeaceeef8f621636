import path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONFIG_ENV } from '../../../runtime/config.js';
import { ResultsSchema } from '../../../runtime/results/schema.js';
import { TaskRuntimeValidationError } from '../errors.js';
import { createCeleriacFunction } from '../function.js';

/** The repository root: this file lives in `infra/cdk/results-api/`. */
/** The dashboard's static files, shipped with this package (`infra/dashboard`, `dist/infra/dashboard` once built). */
const DASHBOARD_DIR = path.resolve(import.meta.dirname, '..', '..', 'dashboard');

/** A plan queue the API reports on, redrives and purges. */
export interface ResultsApiQueue {
  /** Logical name (as in the plan and the client config). */
  readonly name: string;
  readonly queue: sqs.IQueue;
  readonly dlq: sqs.IQueue;
}

/** Properties of a {@link ResultsApi}. */
export interface ResultsApiProps {
  /** The results table. */
  readonly table: dynamodb.ITable;
  /**
   * Its indexes the API queries (Query is granted on each by name, never `index/*`).
   * @default the results schema's: byTask, byState, byRoot
   */
  readonly indexNames?: readonly string[];
  /** Every plan queue with its DLQ. */
  readonly queues: readonly ResultsApiQueue[];
  /** The client config JSON (`CELERIAC_CONFIG`), e.g. `TaskRuntime.clientConfigJson`. */
  readonly configJson: string;
  /**
   * Prebuilt code instead of bundling `entry` (tests).
   * @default bundled from `entry` with esbuild, locally
   */
  readonly code?: lambda.Code;
  /**
   * The Lambda entry module of the app: it exports `handler = createApiHandler({ registry })`
   * from `celeriac/api`. Required unless `code` is set.
   */
  readonly entry?: string;
  /**
   * Root of the project to bundle from.
   * @default the folder of `depsLockFilePath`
   */
  readonly projectRoot?: string;
  /**
   * Lock file of the project.
   * @default the nearest lock file from the working directory up
   */
  readonly depsLockFilePath?: string;
  /**
   * @default lambda.Runtime.NODEJS_24_X
   */
  readonly runtime?: lambda.Runtime;
  /**
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * A redrive runs for up to 20 s per request.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * X-Ray tracing.
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;
}

/** SQS actions on the work queues: enqueue (and redrive into), counts, purge. */
export const QUEUE_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:PurgeQueue'] as const;
/** SQS actions on the DLQs: redrive out of (receive, delete, release), counts, purge. */
export const DLQ_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
  'sqs:PurgeQueue',
] as const;
/** DynamoDB actions on the table's items: detail and workflow root (GetItem), revoke (UpdateItem). */
export const ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;
/** Key pattern of the revocation items revoke writes (PutItem only there). */
const REVOCATION_ITEMS = '_revoked#*';

/**
 * The results API and dashboard: a Lambda (arm64, esbuild bundle of `infra/api/lambda.ts`
 * with the dashboard's files beside it) behind a Function URL with `AWS_IAM` auth, and a role
 * that can do only what the API does — Query on the results indexes by name, GetItem and
 * UpdateItem on the table, send/counts/purge on the queues, receive/delete/release/counts/
 * purge on the DLQs — with no wildcard. Reach it with `celeriac dashboard --outputs …`,
 * which signs requests with your credentials.
 *
 * @example
 * ```ts
 * const api = new ResultsApi(stack, 'ResultsApi', {
 *   table: runtime.results.table,
 *   queues: [...runtime.queues].map(([name, q]) => ({ name, queue: q.queue, dlq: q.deadLetterQueue })),
 *   configJson: runtime.clientConfigJson,
 * });
 * new CfnOutput(stack, 'CeleriacApiUrl', { value: api.url });
 * api.grantInvokeUrl(operatorsRole);
 * ```
 */
export class ResultsApi extends Construct {
  /** The function (child id `Resource`). */
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly functionUrl: lambda.FunctionUrl;
  /** The Function URL (`https://….lambda-url.<region>.on.aws/`). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ResultsApiProps) {
    super(scope, id);
    if (props.queues.length === 0)
      throw new Error(`${this.node.path}: queues: at least one plan queue is needed`);
    const tracing = props.tracing ?? lambda.Tracing.DISABLED;
    if (!props.code && !props.entry) {
      throw new TaskRuntimeValidationError(this.node.path, [
        'entry = undefined: set the results API entry module of your app (the `api` of celeriac.config.ts), prebuilt code, or disable the API',
      ]);
    }
    const parts = createCeleriacFunction(this, {
      description: 'Celeriac results API and dashboard (Function URL, AWS_IAM)',
      roleDescription: 'Celeriac results API and dashboard',
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      environment: { [CONFIG_ENV]: props.configJson, CELERIAC_DASHBOARD_DIR: '/var/task/dashboard' },
      code: {
        ...(props.code ? { code: props.code } : {}),
        entry: props.entry ?? '',
        handler: 'handler',
        ...(props.projectRoot ? { projectRoot: props.projectRoot } : {}),
        ...(props.depsLockFilePath ? { depsLockFilePath: props.depsLockFilePath } : {}),
        bundling: {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            // The dashboard is static files served by the API: ship them beside the bundle.
            afterBundling: (_inputDir, outputDir) => [
              `cp -R "${DASHBOARD_DIR}" "${path.join(outputDir, 'dashboard')}"`,
            ],
          },
        },
      },
      runtime: props.runtime ?? lambda.Runtime.NODEJS_24_X,
      tracing,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      ...(props.removalPolicy ? { removalPolicy: props.removalPolicy } : {}),
      reasons: {
        lambdaDlq:
          'The results API is invoked synchronously through its Function URL; a DeadLetterConfig applies to asynchronous invokes only.',
        tracingOff:
          'X-Ray is opt-in (prop `tracing`); the API logs structured JSON errors without task data.',
      },
    });
    this.function = parts.function;
    this.role = parts.role;
    this.logGroup = parts.logGroup;
    this.functionUrl = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    this.url = this.functionUrl.url;
    this.grantData(props);
  }

  /**
   * Let `grantee` call the API through its Function URL (signed with SigV4).
   *
   * @example
   * ```ts
   * api.grantInvokeUrl(new iam.Role(this, 'Operators', { assumedBy: new iam.AccountRootPrincipal() }));
   * ```
   */
  grantInvokeUrl(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvokeUrl(grantee);
  }

  private grantData(props: ResultsApiProps): void {
    const { table } = props;
    const indexNames = props.indexNames ?? Object.values(ResultsSchema.indexes).map((ix) => ix.name);
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: [...ITEM_ACTIONS],
      resourceArns: [table.tableArn],
    });
    // Revoke writes one revocation item per id; PutItem reaches no other item.
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['dynamodb:PutItem'],
      resourceArns: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [REVOCATION_ITEMS] } },
    });
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['dynamodb:Query'],
      resourceArns: indexNames.map((name) => `${table.tableArn}/index/${name}`),
    });
    table.encryptionKey?.grant(this.role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*');
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: [...QUEUE_ACTIONS],
      resourceArns: props.queues.map((q) => q.queue.queueArn),
    });
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: [...DLQ_ACTIONS],
      resourceArns: props.queues.map((q) => q.dlq.queueArn),
    });
    for (const q of props.queues) {
      q.queue.encryptionMasterKey?.grant(this.role, 'kms:Decrypt', 'kms:GenerateDataKey*');
      q.dlq.encryptionMasterKey?.grant(this.role, 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
  }
}
