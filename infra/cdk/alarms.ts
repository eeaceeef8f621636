import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/** Properties of a {@link RuntimeAlarms}. */
export interface RuntimeAlarmsProps {
  /**
   * An email address subscribed to the topic.
   * @default - no subscription
   */
  readonly email?: string;
  /** Alarm when a queue's oldest message is older than this. */
  readonly oldestMessageAge: Duration;
}

const PERIOD = Duration.minutes(1);

/**
 * The runtime's alarms and the SNS topic they notify. The topic is encrypted with a customer
 * managed key (CloudWatch cannot publish to a topic under the AWS managed `aws/sns` key) and
 * refuses non-TLS publishers.
 *
 * @example
 * ```ts
 * const alarms = new RuntimeAlarms(this, 'Alarms', { oldestMessageAge: Duration.minutes(15) });
 * alarms.deadLetters('high', dlq);
 * ```
 */
export class RuntimeAlarms extends Construct {
  /** The topic alarms go to (child id `Resource`). */
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  /** Every alarm created, in creation order. */
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly #action: actions.SnsAction;
  readonly #oldestMessageAge: Duration;

  constructor(scope: Construct, id: string, props: RuntimeAlarmsProps) {
    super(scope, id);
    this.#oldestMessageAge = props.oldestMessageAge;
    this.key = new kms.Key(this, 'Key', {
      description: 'Celeriac alarm topic encryption',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Resource', {
      displayName: 'Celeriac alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.email) {
      const subscription = this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
      acknowledge(subscription, 'Serverless::Serverless-SNSRedrivePolicy');
    }
    this.#action = new actions.SnsAction(this.topic);
  }

  #add(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(this.#action);
    alarm.addOkAction(this.#action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** Alarm as soon as a dead-letter queue holds a message. */
  deadLetters(name: string, dlq: sqs.IQueue): cloudwatch.Alarm {
    return this.#add(
      `${name}DlqNotEmpty`,
      dlq.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      0,
      `Dead-letter queue of ${name} holds messages: inspect and redrive them`,
    );
  }

  /** Alarm when the queue's oldest message waited longer than the threshold. */
  oldestMessage(name: string, queue: sqs.IQueue): cloudwatch.Alarm {
    return this.#add(
      `${name}OldestMessageAge`,
      queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      this.#oldestMessageAge.toSeconds(),
      `Oldest message of queue ${name} waited more than ${this.#oldestMessageAge.toSeconds()} s: workers are behind or failing`,
    );
  }

  /** Alarms on a worker's errors (thrown or timed-out invocations) and throttles. */
  worker(name: string, fn: lambda.IFunction): cloudwatch.Alarm[] {
    return [
      this.#add(
        `${name}WorkerErrors`,
        fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        0,
        `Worker of queue ${name} failed whole invocations (crash or timeout): its batch returns to the queue`,
      ),
      this.#add(
        `${name}WorkerThrottles`,
        fn.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        0,
        `Worker of queue ${name} was throttled: check reserved concurrency against maxConcurrency`,
      ),
    ];
  }

  /**
   * Throttling on the results table and on each of its indexes. Workers retry a throttled write
   * with backoff inside the invocation, so a burst costs milliseconds; sustained throttling means
   * a hot key (a shard count too low for the rate, see docs/operations.md) and, past the
   * retries, records returned to the queue.
   *
   * @example
   * ```ts
   * alarms.resultsTable(results.table, results.indexNames);
   * ```
   */
  resultsTable(table: dynamodb.ITable, indexNames: readonly string[]): cloudwatch.Alarm[] {
    const metric = (metricName: string, index?: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: {
          TableName: table.tableName,
          ...(index ? { GlobalSecondaryIndexName: index } : {}),
        },
        period: PERIOD,
        statistic: cloudwatch.Stats.SUM,
      });
    return [
      this.#add(
        'ResultsWriteThrottles',
        metric('WriteThrottleEvents'),
        0,
        'Writes to the results table were throttled: a hot partition or the table ceiling; raise the shard counts or the table quota',
      ),
      this.#add(
        'ResultsReadThrottles',
        metric('ReadThrottleEvents'),
        0,
        'Reads of the results table were throttled (handles waiting, chord joins, revocation checks)',
      ),
      ...indexNames.map((index) =>
        this.#add(
          `Results${index[0]!.toUpperCase()}${index.slice(1)}WriteThrottles`,
          metric('WriteThrottleEvents', index),
          0,
          `Index ${index} of the results table was throttled (which throttles the table write): raise its shard count`,
        ),
      ),
    ];
  }

  /** The results API function: any error (a 5xx) raises an alarm. */
  api(fn: lambda.IFunction): cloudwatch.Alarm {
    return this.#add(
      'ResultsApiErrors',
      fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      0,
      'The results API function failed invocations: the dashboard, CLI or producers using it see errors',
    );
  }
}
