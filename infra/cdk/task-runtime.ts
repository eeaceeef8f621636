import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { clientConfigFor } from '../../runtime/client-config.js';
import { type CeleriacConfig, CONFIG_ENV } from '../../runtime/config.js';
import type { ResourcePlan } from '../../runtime/plan.js';
import { ResultsSchema } from '../../runtime/results/schema.js';
import { RuntimeAlarms } from './alarms.js';
import { CeleriacBeat } from './beat/index.js';
import { RuntimeDefaults } from './constants.js';
import { RuntimeDashboard } from './dashboard.js';
import { TaskRuntimeValidationError } from './errors.js';
import type { RuntimeScheduleOptions, TaskRuntimeProps } from './props.js';
import { ResultsApi } from './results-api/index.js';
import { IDEMPOTENCY_KEYS, REVOCATION_KEYS, ResultsTable, TableActions } from './results-table.js';
import { RuntimeScheduler } from './scheduler.js';
import { validateRuntime } from './validate.js';
import { WorkQueue } from './work-queue.js';
import { Worker } from './worker.js';

/** The index that lists a workflow's members by root id. */
const WORKFLOW_INDEX = ResultsSchema.indexes.byRoot.name;

/**
 * Celeriac on AWS, from a resource plan: per queue an SQS queue with its DLQ and a worker
 * Lambda with its event source mapping; the results table; an EventBridge Scheduler group,
 * role and DLQ, with one schedule per periodic task of the plan (beat); the results API and
 * dashboard behind an `AWS_IAM` Function URL; alarms to an SNS topic; a CloudWatch dashboard.
 * Invalid settings fail synth with the value and the rule they break.
 *
 * @example
 * ```ts
 * const tasks = new TaskRuntime(stack, 'Tasks', {
 *   plan: planOf(registry),
 *   workerEntry: 'src/tasks/worker.ts',
 *   resultsApi: { entry: 'src/tasks/api.ts' },
 * });
 * tasks.grantEnqueue(apiFunction);
 * apiFunction.addEnvironment('CELERIAC_CONFIG', tasks.clientConfigJson);
 * tasks.grantDashboardAccess(operatorsRole);
 * ```
 */
export class TaskRuntime extends Construct {
  /** The plan this runtime was built from. */
  readonly plan: ResourcePlan;
  /** Queues (with DLQs) by logical name. */
  readonly queues: ReadonlyMap<string, WorkQueue>;
  /** Workers by logical queue name. */
  readonly workers: ReadonlyMap<string, Worker>;
  readonly results: ResultsTable;
  readonly scheduler: RuntimeScheduler;
  /** One Scheduler schedule per periodic task of the plan; absent when the plan has none. */
  readonly beat?: CeleriacBeat;
  /** The results API and dashboard; absent with `resultsApi: { enabled: false }`. */
  readonly api?: ResultsApi;
  readonly alarms: RuntimeAlarms;
  readonly dashboard: RuntimeDashboard;
  /** What a client needs (`CELERIAC_CONFIG`), with deploy-time values as tokens. */
  readonly clientConfig: CeleriacConfig;
  /** {@link clientConfig} as a JSON string (a token that CloudFormation resolves). */
  readonly clientConfigJson: string;

  constructor(scope: Construct, id: string, props: TaskRuntimeProps) {
    super(scope, id);
    const { plan } = props;
    const problems = validateRuntime(plan, { oldestMessageAgeThreshold: props.oldestMessageAgeThreshold });
    if (problems.length) throw new TaskRuntimeValidationError(this.node.path, problems);
    this.plan = plan;
    const usePlanNames = props.usePlanNames ?? true;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const queues = new Map<string, WorkQueue>();
    for (const q of plan.queues)
      queues.set(q.name, new WorkQueue(this, `Queue-${q.name}`, { plan: q, usePlanNames }));
    this.queues = queues;
    const workQueues = [...queues.values()].map((q) => q.queue);

    this.results = new ResultsTable(this, 'Results', { plan: plan.table, usePlanNames, removalPolicy });
    this.scheduler = new RuntimeScheduler(this, 'Scheduler', {
      queues: workQueues,
      groupName: usePlanNames ? plan.scheduleGroupName : undefined,
      removalPolicy,
    });

    this.clientConfig = clientConfigFor(plan, {
      region: Stack.of(this).region,
      table: this.results.table.tableName,
      queueUrls: (q) => {
        const own = queues.get(q.name)!;
        return { url: own.queue.queueUrl, dlqUrl: own.deadLetterQueue.queueUrl };
      },
      scheduler: {
        group: this.scheduler.group.scheduleGroupName,
        roleArn: this.scheduler.role.roleArn,
        dlqArn: this.scheduler.deadLetterQueue.queueArn,
      },
    });
    this.clientConfigJson = Stack.of(this).toJsonString(this.clientConfig);

    if (plan.schedules.length > 0) {
      this.beat = new CeleriacBeat(this, 'Beat', {
        schedules: plan.schedules,
        groupName: this.scheduler.group.scheduleGroupName,
        role: this.scheduler.role,
        queues: Object.fromEntries([...queues].map(([name, q]) => [name, q.queue])),
        deadLetterQueue: this.scheduler.deadLetterQueue,
      });
      // With plan names the group name is a literal, not a reference: order the creation.
      this.beat.node.addDependency(this.scheduler.group);
    }

    // Bundling and function settings shared by the workers and the results API.
    // No default points into this package: the app's entries come from its props (or its
    // celeriac.config.ts, through loadProject), and the lockfile is found from the app's folder.
    const { projectRoot, depsLockFilePath } = props;
    if (!props.workerCode && !props.workerEntry) {
      throw new TaskRuntimeValidationError(this.node.path, [
        'workerEntry = undefined: set the worker entry module of your app (the `worker` of celeriac.config.ts, e.g. loadProject().workerEntry), or prebuilt workerCode',
      ]);
    }
    const runtime = props.runtime ?? lambda.Runtime.NODEJS_24_X;
    const tracing = props.tracing ?? lambda.Tracing.DISABLED;
    const logRetention = props.logRetention ?? RuntimeDefaults.LOG_RETENTION;
    const code = {
      code: props.workerCode,
      entry: props.workerEntry ?? '',
      handler: props.workerHandler ?? RuntimeDefaults.WORKER_HANDLER,
      projectRoot,
      depsLockFilePath,
    };
    const workers = new Map<string, Worker>();
    for (const q of plan.queues) {
      const own = queues.get(q.name)!;
      const worker = new Worker(this, `Worker-${q.name}`, {
        plan: q,
        queue: own.queue,
        code,
        environment: this.clientEnvironment(),
        runtime,
        tracing,
        logRetention,
        removalPolicy,
        reserveConcurrency: props.reserveConcurrency ?? true,
      });
      // Canvas steps go to any queue; rate-limit deferrals resend to its own queue; dead
      // letters are copied by the worker into its own DLQ.
      iam.Grant.addToPrincipal({
        grantee: worker.role,
        actions: ['sqs:SendMessage'],
        resourceArns: [...workQueues.map((wq) => wq.queueArn), own.deadLetterQueue.queueArn],
      });
      this.results.grantActions(worker.role, TableActions.WORKER);
      // getWorkflow() called from a task lists the workflow's members.
      this.results.grantQueryIndex(worker.role, WORKFLOW_INDEX);
      // A canvas step delayed over 15 minutes becomes a one-time schedule created by the worker.
      this.scheduler.grantManageSchedules(worker.role);
      workers.set(q.name, worker);
    }
    this.workers = workers;

    const apiOptions = props.resultsApi ?? {};
    if (apiOptions.enabled ?? true) {
      this.api = new ResultsApi(this, 'ResultsApi', {
        table: this.results.table,
        indexNames: this.results.indexNames,
        queues: [...queues].map(([name, q]) => ({ name, queue: q.queue, dlq: q.deadLetterQueue })),
        configJson: this.clientConfigJson,
        code: apiOptions.code,
        entry: apiOptions.entry,
        memorySize: apiOptions.memorySize,
        timeout: apiOptions.timeout,
        projectRoot,
        depsLockFilePath,
        runtime,
        tracing,
        logRetention,
        removalPolicy,
      });
      // Revoke deletes a long-delayed task's schedule; enqueue with a delay over 15 min creates one.
      this.scheduler.grantManageSchedules(this.api.role);
    }

    this.alarms = new RuntimeAlarms(this, 'Alarms', {
      email: props.alarmEmail,
      oldestMessageAge: props.oldestMessageAgeThreshold ?? RuntimeDefaults.OLDEST_MESSAGE_AGE,
    });
    for (const [name, q] of queues) {
      this.alarms.deadLetters(name, q.deadLetterQueue);
      this.alarms.oldestMessage(name, q.queue);
      this.alarms.worker(name, workers.get(name)!.function);
    }
    this.alarms.deadLetters('Scheduler', this.scheduler.deadLetterQueue);
    this.alarms.resultsTable(this.results.table, this.results.indexNames);
    if (this.api) this.alarms.api(this.api.function);

    this.dashboard = new RuntimeDashboard(this, 'Dashboard', {
      queues: [...queues].map(([name, q]) => ({
        name,
        queue: q.queue,
        deadLetterQueue: q.deadLetterQueue,
        worker: workers.get(name)!.function,
      })),
    });

    for (const [scheduleId, options] of Object.entries(props.schedules ?? {}))
      this.addSchedule(scheduleId, options);
  }

  /** The queue (and DLQ) of a logical queue name; throws naming the known ones. */
  queue(name: string): WorkQueue {
    const queue = this.queues.get(name);
    if (!queue) {
      throw new TaskRuntimeValidationError(this.node.path, [
        `queue = "${name}": not in the plan (plan queues: ${[...this.queues.keys()].join(', ')})`,
      ]);
    }
    return queue;
  }

  /**
   * Environment variables that let `enqueue()` and task handles in another Lambda find this
   * runtime: `{ CELERIAC_CONFIG: <JSON> }`.
   *
   * @example
   * ```ts
   * new lambda.Function(this, 'Api', { ..., environment: { ...tasks.clientEnvironment() } });
   * ```
   */
  clientEnvironment(): Record<string, string> {
    return { [CONFIG_ENV]: this.clientConfigJson };
  }

  /**
   * Let `grantee` enqueue tasks, and nothing more: `sqs:SendMessage` on the work queues,
   * `PutItem`/`DeleteItem` on idempotency-key items only (`idem#…`, a `LeadingKeys`
   * condition), and for delays over 15 minutes `scheduler:CreateSchedule`/`DeleteSchedule` in
   * the schedule group plus `iam:PassRole` of the scheduler role to Scheduler only. It reads no
   * task's arguments or results: a producer that also waits on its handles adds
   * {@link grantReadHandles}.
   *
   * @example
   * ```ts
   * tasks.grantEnqueue(producerFunction);
   * ```
   */
  grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: [...this.queues.values()].map((q) => q.queue.queueArn),
    })
      .combine(
        this.results.grantKeyPrefix(grantee, ['dynamodb:PutItem', 'dynamodb:DeleteItem'], IDEMPOTENCY_KEYS),
      )
      .combine(this.scheduler.grantManageSchedules(grantee));
  }

  /**
   * Let `grantee` wait on and read the tasks it holds handles of: `GetItem` and `BatchGetItem`
   * on the results table (`handle.result()`, `get()`, `state()`, group waits). DynamoDB's IAM
   * can limit reads by key prefix only, and task ids are random, so this reads any task **by
   * id** — but cannot list or search (no `Query`): a producer reads what it enqueued, or ids
   * someone gave it. Give {@link grantReadResults} only to what lists tasks (dashboards).
   *
   * @example
   * ```ts
   * tasks.grantEnqueue(checkoutFn);
   * tasks.grantReadHandles(checkoutFn); // it awaits handle.result()
   * ```
   */
  grantReadHandles(grantee: iam.IGrantable): iam.Grant {
    return this.results.grantActions(grantee, TableActions.HANDLE_READ);
  }

  /**
   * Let `grantee` call `revoke()` and `revokeWorkflow()`: `GetItem` and `UpdateItem` on the
   * table (read the task, write REVOKED), `PutItem` on revocation items only (`_revoked#…`),
   * `Query` on the `byRoot` index (a workflow's members) and `scheduler:DeleteSchedule` in the
   * schedule group (a long-delayed task's schedule).
   *
   * @example
   * ```ts
   * tasks.grantRevoke(adminFunction);
   * ```
   */
  grantRevoke(grantee: iam.IGrantable): iam.Grant {
    return this.results
      .grantActions(grantee, ['dynamodb:GetItem', 'dynamodb:UpdateItem'])
      .combine(this.results.grantKeyPrefix(grantee, ['dynamodb:PutItem'], REVOCATION_KEYS))
      .combine(this.results.grantQueryIndex(grantee, WORKFLOW_INDEX))
      .combine(this.scheduler.grantDeleteSchedules(grantee));
  }

  /**
   * Let `grantee` read workflows: `getWorkflow()` and workflow handles (`Query` on the
   * `byRoot` index only, and `GetItem`/`BatchGetItem` of the members it lists).
   *
   * @example
   * ```ts
   * tasks.grantReadWorkflows(reportFunction);
   * ```
   */
  grantReadWorkflows(grantee: iam.IGrantable): iam.Grant {
    return this.results
      .grantActions(grantee, TableActions.HANDLE_READ)
      .combine(this.results.grantQueryIndex(grantee, WORKFLOW_INDEX));
  }

  /**
   * Read-only access to everything the dashboard and the CLI's read commands show, straight
   * from AWS with the grantee's own credentials (`celeriac ls|get|workflow show|queues`, or a
   * locally served dashboard): {@link grantReadResults} plus `sqs:GetQueueAttributes` on the
   * work queues and DLQs. Changes (enqueue, revoke, redrive, purge) are refused by IAM. The
   * deployed results API runs as its own role: {@link grantDashboardAccess} opens it, with
   * its changes.
   *
   * @example
   * ```ts
   * tasks.grantDashboardReadOnly(new iam.Role(this, 'Support', { assumedBy: new iam.AccountRootPrincipal() }));
   * ```
   */
  grantDashboardReadOnly(grantee: iam.IGrantable): iam.Grant {
    return this.grantReadResults(grantee).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['sqs:GetQueueAttributes'],
        resourceArns: [...this.queues.values()].flatMap((q) => [
          q.queue.queueArn,
          q.deadLetterQueue.queueArn,
        ]),
      }),
    );
  }

  /**
   * Let `grantee` open the results API and dashboard: `lambda:InvokeFunctionUrl` on the API's
   * `AWS_IAM` Function URL (requests signed with SigV4, e.g. by `celeriac dashboard`).
   *
   * @throws TaskRuntimeValidationError when the API is disabled (`resultsApi.enabled: false`).
   * @example
   * ```ts
   * tasks.grantDashboardAccess(new iam.Role(this, 'Operators', { assumedBy: new iam.AccountRootPrincipal() }));
   * ```
   */
  grantDashboardAccess(grantee: iam.IGrantable): iam.Grant {
    if (!this.api) {
      throw new TaskRuntimeValidationError(this.node.path, [
        'resultsApi.enabled = false: there is no results API to grant access to',
      ]);
    }
    return this.api.grantInvokeUrl(grantee);
  }

  /**
   * Let `grantee` read results: `GetItem`, `BatchGetItem` and `Query` on the table and its
   * indexes (by name; no Scan).
   *
   * @example
   * ```ts
   * tasks.grantReadResults(dashboardFunction);
   * ```
   */
  grantReadResults(grantee: iam.IGrantable): iam.Grant {
    return this.results.grantActions(grantee, TableActions.READ);
  }

  /**
   * Add a schedule in the runtime's group that sends `body` to a plan queue, with the
   * scheduler role, retry policy and DLQ.
   *
   * @example
   * ```ts
   * tasks.addSchedule('Nightly', { schedule: ScheduleExpression.cron({ hour: '2', minute: '0' }), queue: 'low', body });
   * ```
   */
  addSchedule(id: string, options: RuntimeScheduleOptions): scheduler.CfnSchedule {
    return this.scheduler.addSchedule(id, {
      schedule: options.schedule,
      queue: this.queue(options.queue).queue,
      body: options.body,
      scheduleName: options.scheduleName,
      description: options.description,
      enabled: options.enabled,
    });
  }
}
