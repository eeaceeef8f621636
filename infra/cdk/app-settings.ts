import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type AppProps, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { TaskRuntimeValidationError } from './errors.js';

/** Settings of the app that users change with `-c key=value` or in `cdk.json`'s context. */
export interface AppSettings {
  /** Stack name (`-c stackName=…`). */
  readonly stackName: string;
  /** Prefix of physical names (`-c prefix=…`); the registry's app name when absent. */
  readonly prefix?: string;
  /** `-c alarmEmail=ops@example.com` */
  readonly alarmEmail?: string;
  /** `-c removalPolicy=destroy|retain` */
  readonly removalPolicy: RemovalPolicy;
  /** `-c usePlanNames=false` lets CloudFormation name resources. */
  readonly usePlanNames: boolean;
  /** `-c oldestMessageAgeMinutes=15` */
  readonly oldestMessageAgeThreshold?: Duration;
}

const PREFIX = /^[a-z][a-z0-9-]{0,29}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

function str(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

/**
 * Read the app settings from CDK context. Bad values throw, naming the key, the value and
 * what is allowed; they never fall back to a default.
 *
 * @example
 * ```ts
 * const settings = settingsFromContext(app.node); // cdk synth -c removalPolicy=destroy
 * ```
 */
export function settingsFromContext(node: Node): AppSettings {
  const problems: string[] = [];
  const stackName = str(node, 'stackName') ?? 'Celeriac';
  if (!STACK_NAME.test(stackName))
    problems.push(`stackName = "${stackName}": a letter, then letters, digits or "-"`);
  const prefix = str(node, 'prefix');
  if (prefix !== undefined && !PREFIX.test(prefix)) {
    problems.push(`prefix = "${prefix}": lower-case letters, digits and "-", 1-30, starting with a letter`);
  }
  const alarmEmail = str(node, 'alarmEmail');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail))
    problems.push(`alarmEmail = "${alarmEmail}": an email address`);
  const removal = (str(node, 'removalPolicy') ?? 'retain').toLowerCase();
  const removalPolicy = { retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY }[removal];
  if (!removalPolicy) problems.push(`removalPolicy = "${removal}": "retain" or "destroy"`);
  const names = (str(node, 'usePlanNames') ?? 'true').toLowerCase();
  if (names !== 'true' && names !== 'false') problems.push(`usePlanNames = "${names}": "true" or "false"`);
  const ageText = str(node, 'oldestMessageAgeMinutes');
  const age = ageText === undefined ? undefined : Number(ageText);
  if (age !== undefined && (!Number.isInteger(age) || age < 1)) {
    problems.push(`oldestMessageAgeMinutes = "${ageText}": a whole number of minutes ≥ 1`);
  }
  if (problems.length) throw new TaskRuntimeValidationError('context', problems);
  return {
    stackName,
    prefix,
    alarmEmail,
    removalPolicy: removalPolicy!,
    usePlanNames: names === 'true',
    oldestMessageAgeThreshold: age === undefined ? undefined : Duration.minutes(age),
  };
}

/**
 * Props for an `App` run directly (`npx tsx infra/app.ts -c key=value`) instead of by the CDK
 * CLI: the CLI passes `cdk.json`'s context and `-c` values itself, so this reads them the same
 * way and writes the assembly to `cdk.out`.
 *
 * @example
 * ```ts
 * const app = new App(process.env.CDK_OUTDIR ? {} : standaloneAppProps(process.argv.slice(2), process.cwd()));
 * ```
 */
export function standaloneAppProps(argv: readonly string[], cwd: string): AppProps {
  const cdkJson = JSON.parse(readFileSync(path.join(cwd, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
    output?: string;
  };
  const context: Record<string, unknown> = { ...cdkJson.context };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '-c' && argv[i] !== '--context') continue;
    const pair = argv[++i] ?? '';
    const eq = pair.indexOf('=');
    if (eq < 1)
      throw new TaskRuntimeValidationError('context', [`-c ${JSON.stringify(pair)}: expected key=value`]);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { outdir: path.join(cwd, cdkJson.output ?? 'cdk.out'), context };
}
