import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { type CeleriacConfig, CONFIG_ENV } from '../../runtime/config.js';
import type { ResourcePlan } from '../../runtime/plan.js';
import { routesOf } from '../../runtime/routes.js';
import { RuntimeAlarms } from './alarms.js';
import { CeleriacBeat } from './beat/index.js';
import { RuntimeDefaults } from './constants.js';
import { RuntimeDashboard } from './dashboard.js';
import { TaskRuntimeValidationError } from './errors.js';
import type { RuntimeScheduleOptions, TaskRuntimeProps } from './props.js';
import { ResultsApi } from './results-api/index.js';
import { ResultsTable, TableActions } from './results-table.js';
import { RuntimeScheduler } from './scheduler.js';
import { validateRuntime } from './validate.js';
import { WorkQueue } from './work-queue.js';
import { Worker } from './worker.js';

/** The prefix of the plan's physical names (`<prefix>-results` is the table). */
function planPrefix(plan: ResourcePlan): string {
  return plan.table.tableName.replace(/-results$/, '');
}

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
 *   plan: registry.plan(),
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
      groupName: usePlanNames ? `${planPrefix(plan)}-schedules` : undefined,
      removalPolicy,
    });

    this.clientConfig = {
      region: Stack.of(this).region,
      table: this.results.table.tableName,
      queues: Object.fromEntries(
        [...queues].map(([name, q]) => [name, { url: q.queue.queueUrl, dlqUrl: q.deadLetterQueue.queueUrl }]),
      ),
      routes: routesOf(plan),
      resultShards: plan.table.shards,
      scheduler: {
        group: this.scheduler.group.scheduleGroupName,
        roleArn: this.scheduler.role.roleArn,
        dlqArn: this.scheduler.deadLetterQueue.queueArn,
      },
    };
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
      });
      // Canvas steps go to any queue; rate-limit deferrals resend to its own queue; dead
      // letters are copied by the worker into its own DLQ.
      iam.Grant.addToPrincipal({
        grantee: worker.role,
        actions: ['sqs:SendMessage'],
        resourceArns: [...workQueues.map((wq) => wq.queueArn), own.deadLetterQueue.queueArn],
      });
      this.results.grantActions(worker.role, TableActions.WORKER);
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
   * Let `grantee` enqueue tasks: `sqs:SendMessage` on the work queues, `GetItem` and
   * `BatchGetItem` on the results table (to read its task handles), and for delays over
   * 15 minutes `scheduler:CreateSchedule`/`DeleteSchedule` in the schedule group plus
   * `iam:PassRole` of the scheduler role to Scheduler only.
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
      .combine(this.results.grantActions(grantee, TableActions.HANDLE_READ))
      .combine(
        // Idempotency keys: claim (PutItem) and release (DeleteItem) only items keyed `idem#…`.
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
          resourceArns: [this.results.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['idem#*'] } },
        }),
      )
      .combine(this.scheduler.grantManageSchedules(grantee));
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
