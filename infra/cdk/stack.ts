import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { TaskRuntimeProps } from './props.js';
import { TaskRuntime } from './task-runtime.js';

/** Properties of a {@link CeleriacStack}. */
export interface CeleriacStackProps extends StackProps {
  /** Everything the runtime is built from. */
  readonly runtime: TaskRuntimeProps;
}

/** A queue name as an output id: `high_prio-x` → `HighPrioX`. */
function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * The stack `cdk deploy` ships: one {@link TaskRuntime} and the outputs a client needs —
 * every queue and DLQ URL, the table, the scheduler group, role and DLQ, the beat schedules,
 * the alarm topic, `CeleriacApiUrl` (the results API's Function URL, read by
 * `celeriac dashboard --outputs`), and `CeleriacConfig`, the whole client config as JSON (the
 * value of `CELERIAC_CONFIG`).
 *
 * @example
 * ```ts
 * const project = await loadProject();
 * new CeleriacStack(app, 'Celeriac', {
 *   runtime: { plan: planOf(project.registry), workerEntry: project.workerEntry, resultsApi: { entry: project.apiEntry } },
 * });
 * ```
 */
export class CeleriacStack extends Stack {
  readonly runtime: TaskRuntime;

  constructor(scope: Construct, id: string, props: CeleriacStackProps) {
    super(scope, id, props);
    this.runtime = new TaskRuntime(this, 'Tasks', props.runtime);
    const rt = this.runtime;
    for (const [name, q] of rt.queues) {
      new CfnOutput(this, `Queue${pascal(name)}Url`, {
        value: q.queue.queueUrl,
        description: `URL of queue ${name}`,
      });
      new CfnOutput(this, `Queue${pascal(name)}DlqUrl`, {
        value: q.deadLetterQueue.queueUrl,
        description: `URL of the dead-letter queue of ${name}`,
      });
    }
    new CfnOutput(this, 'ResultsTableName', {
      value: rt.results.table.tableName,
      description: 'Results table',
    });
    new CfnOutput(this, 'SchedulerGroupName', { value: rt.scheduler.group.scheduleGroupName });
    new CfnOutput(this, 'SchedulerRoleArn', { value: rt.scheduler.role.roleArn });
    new CfnOutput(this, 'SchedulerDlqArn', { value: rt.scheduler.deadLetterQueue.queueArn });
    if (rt.beat) {
      new CfnOutput(this, 'BeatScheduleNames', {
        value: [...rt.beat.schedules.values()].map((s) => s.ref).join(','),
        description: 'Beat schedules (periodic tasks of the plan) in the scheduler group',
      });
    }
    if (rt.api) {
      new CfnOutput(this, 'CeleriacApiUrl', {
        value: rt.api.url,
        description: 'Results API and dashboard (AWS_IAM Function URL): celeriac dashboard --outputs <file>',
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: rt.alarms.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: rt.dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'CeleriacConfig', {
      value: rt.clientConfigJson,
      description: 'Client config: set it as CELERIAC_CONFIG wherever enqueue() runs',
    });
  }
}
