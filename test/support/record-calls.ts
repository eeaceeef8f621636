import type { IamRequest } from './iam-policy.js';

/** One AWS SDK call as sent: the client's service, the command and its input. */
export interface RecordedCall {
  readonly service: 'dynamodb' | 'sqs' | 'scheduler';
  readonly command: string;
  readonly input: Record<string, unknown>;
}

interface WithStack {
  readonly middlewareStack: {
    add(mw: unknown, options: { step: string; name: string; override: boolean }): void;
  };
}

/**
 * Record every command an SDK client sends (an `initialize` middleware; the call proceeds).
 *
 * @example
 * ```ts
 * const calls: RecordedCall[] = [];
 * recordCalls(dynamodb, 'dynamodb', calls);
 * ```
 */
export function recordCalls(client: object, service: RecordedCall['service'], sink: RecordedCall[]): void {
  (client as WithStack).middlewareStack.add(
    (
      next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
      context: { commandName?: string },
    ) =>
      (args: { input: Record<string, unknown> }) => {
        sink.push({
          service,
          command: (context.commandName ?? '').replace(/Command$/, ''),
          input: args.input,
        });
        return next(args);
      },
    { step: 'initialize', name: 'recordCalls', override: true },
  );
}

/** How local names map to the synthesized template's resources. */
export interface ResourceMap {
  /** `<Table.Arn>` for the local table name. */
  readonly table: (name: string) => string;
  /** `<Queue.Arn>` for a local queue URL. */
  readonly queue: (url: string) => string;
  /** `<SchedulerRole.Arn>` for the local scheduler role ARN. */
  readonly schedulerRole: (arn: string) => string;
  /** The schedule ARN for a group and a name. */
  readonly schedule: (group: string, name: string) => string;
}

type Attr = { S?: string };
const keyOf = (key: unknown): string[] => {
  const id = (key as Record<string, Attr> | undefined)?.id?.S;
  return id === undefined ? [] : [id];
};

const SQS_ACTION: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/**
 * The IAM requests AWS evaluates for a call (a CreateSchedule also needs `iam:PassRole` of
 * its target role to Scheduler). Throws on a command this mapping does not know, so a new
 * call in the code cannot slip past the contract test.
 */
export function iamRequestsOf(call: RecordedCall, map: ResourceMap): IamRequest[] {
  const { input } = call;
  if (call.service === 'dynamodb') {
    const table = (name: unknown) => map.table(String(name));
    switch (call.command) {
      case 'GetItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return [
          {
            action: `dynamodb:${call.command}`,
            resource: table(input.TableName),
            context: { 'dynamodb:LeadingKeys': keyOf(input.Key) },
          },
        ];
      case 'PutItem':
        return [
          {
            action: 'dynamodb:PutItem',
            resource: table(input.TableName),
            context: { 'dynamodb:LeadingKeys': keyOf(input.Item) },
          },
        ];
      case 'BatchGetItem':
        return Object.entries(input.RequestItems as Record<string, { Keys: unknown[] }>).map(
          ([name, req]) => ({
            action: 'dynamodb:BatchGetItem',
            resource: table(name),
            context: { 'dynamodb:LeadingKeys': req.Keys.flatMap(keyOf) },
          }),
        );
      case 'Query':
        return [
          {
            action: 'dynamodb:Query',
            resource: input.IndexName
              ? `${table(input.TableName)}/index/${String(input.IndexName)}`
              : table(input.TableName),
            context: {},
          },
        ];
      case 'TransactWriteItems':
        return (
          input.TransactItems as Record<string, { TableName: string; Key?: unknown; Item?: unknown }>[]
        ).map((item) => {
          const [kind, op] = Object.entries(item)[0]!;
          const action = {
            Put: 'PutItem',
            Update: 'UpdateItem',
            Delete: 'DeleteItem',
            ConditionCheck: 'ConditionCheckItem',
          }[kind];
          return {
            action: `dynamodb:${action}`,
            resource: table(op.TableName),
            context: { 'dynamodb:LeadingKeys': keyOf(op.Key ?? op.Item) },
          };
        });
    }
  }
  if (call.service === 'sqs') {
    const known = [
      'SendMessage',
      'SendMessageBatch',
      'DeleteMessage',
      'DeleteMessageBatch',
      'ChangeMessageVisibility',
      'ChangeMessageVisibilityBatch',
      'ReceiveMessage',
      'GetQueueAttributes',
      'PurgeQueue',
    ];
    if (known.includes(call.command)) {
      return [
        {
          action: `sqs:${SQS_ACTION[call.command] ?? call.command}`,
          resource: map.queue(String(input.QueueUrl)),
          context: {},
        },
      ];
    }
  }
  if (call.service === 'scheduler') {
    const resource = map.schedule(String(input.GroupName ?? 'default'), String(input.Name));
    if (call.command === 'CreateSchedule') {
      const target = input.Target as { RoleArn: string };
      return [
        { action: 'scheduler:CreateSchedule', resource, context: {} },
        {
          action: 'iam:PassRole',
          resource: map.schedulerRole(target.RoleArn),
          context: { 'iam:PassedToService': ['scheduler.amazonaws.com'] },
        },
      ];
    }
    if (['DeleteSchedule', 'GetSchedule', 'UpdateSchedule'].includes(call.command)) {
      return [{ action: `scheduler:${call.command}`, resource, context: {} }];
    }
  }
  throw new Error(
    `no IAM mapping for ${call.service}:${call.command}: add it to test/support/record-calls.ts`,
  );
}
