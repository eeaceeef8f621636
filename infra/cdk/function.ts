import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { leanBundling } from './bundling.js';
import { NagReasons } from './nag.js';

/** How a Celeriac function's code is built. */
export interface FunctionCode {
  /** Prebuilt code; when set, no bundling happens. */
  readonly code?: lambda.Code;
  /** Entry module to bundle when `code` is not set. */
  readonly entry: string;
  /** Exported handler. */
  readonly handler: string;
  /** @default the folder of `depsLockFilePath` */
  readonly projectRoot?: string;
  /** @default the nearest lock file from the working directory up */
  readonly depsLockFilePath?: string;
  /** Bundling options on top of {@link leanBundling}. */
  readonly bundling?: Partial<nodejs.BundlingOptions>;
}

/** Properties of {@link createCeleriacFunction}. */
export interface CeleriacFunctionProps {
  readonly description: string;
  readonly roleDescription: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly reservedConcurrentExecutions?: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly code: FunctionCode;
  readonly runtime: lambda.Runtime;
  readonly tracing: lambda.Tracing;
  readonly logRetention: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Why this function needs no DeadLetterConfig, and why tracing may be off (cdk-nag). */
  readonly reasons: { readonly lambdaDlq: string; readonly tracingOff: string };
}

/** What {@link createCeleriacFunction} created. */
export interface CeleriacFunctionParts {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * The scaffolding every Celeriac Lambda shares (the workers and the results API): a log group
 * with retention (`Logs`), an execution role without managed policies that may write to that
 * log group only (`Role`), and the function (`Resource`): arm64, JSON logs, prebuilt code or an
 * esbuild bundle, with its cdk-nag acknowledgements. Created as children of `scope`.
 *
 * @example
 * ```ts
 * const { function: fn, role } = createCeleriacFunction(this, { description, ... });
 * ```
 */
export function createCeleriacFunction(
  scope: Construct,
  props: CeleriacFunctionProps,
): CeleriacFunctionParts {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: props.logRetention,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  // Instead of the AWSLambdaBasicExecutionRole managed policy: write to its own log group only.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const common: lambda.FunctionOptions = {
    description: props.description,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    ...(props.reservedConcurrentExecutions !== undefined
      ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
      : {}),
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
    systemLogLevelV2: lambda.SystemLogLevel.WARN,
    tracing: props.tracing,
    // Stack traces in results and logs point at the TypeScript source (the bundle ships its map).
    environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
  };
  const { code } = props;
  const fn = code.code
    ? new lambda.Function(scope, 'Resource', {
        ...common,
        runtime: props.runtime,
        code: code.code,
        handler: `index.${code.handler}`,
      })
    : new nodejs.NodejsFunction(scope, 'Resource', {
        ...common,
        runtime: props.runtime,
        entry: code.entry,
        handler: code.handler,
        projectRoot: code.projectRoot,
        depsLockFilePath: code.depsLockFilePath,
        bundling: leanBundling(code.bundling),
      });
  Validations.of(fn).acknowledge({ id: 'Serverless::Serverless-LambdaDLQ', reason: props.reasons.lambdaDlq });
  if (props.tracing === lambda.Tracing.ACTIVE || props.tracing === lambda.Tracing.PASS_THROUGH) {
    const id = 'AwsSolutions::AwsSolutions-IAM5[Resource::*]';
    Validations.of(role).acknowledge({ id, reason: NagReasons[id] });
  } else {
    Validations.of(fn).acknowledge({
      id: 'Serverless::Serverless-LambdaTracing',
      reason: props.reasons.tracingOff,
    });
  }
  return { function: fn, role, logGroup };
}
