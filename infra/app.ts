#!/usr/bin/env node
/**
 * The CDK app `cdk.json` runs: one Celeriac stack built from the task registry's plan.
 * Environment-agnostic (no account or region lookups), so `npx cdk synth` works offline.
 *
 * Settings: `npx cdk deploy -c alarmEmail=ops@example.com -c removalPolicy=destroy -c prefix=shop`
 * (see docs/deploy.md). Run directly (`npx tsx infra/app.ts -c prefix=shop`) it reads `cdk.json`
 * itself and writes `cdk.out`, as `cdk synth` would.
 */
import { App } from 'aws-cdk-lib';
import { registry } from '../tasks/index.js';
import { settingsFromContext, standaloneAppProps } from './cdk/app-settings.js';
import { CeleriacStack } from './cdk/stack.js';

// The CDK CLI sets CDK_OUTDIR and passes the context; without it, read cdk.json like the CLI does.
const app = new App(process.env.CDK_OUTDIR ? {} : standaloneAppProps(process.argv.slice(2), process.cwd()));
const settings = settingsFromContext(app.node);
new CeleriacStack(app, settings.stackName, {
  description: `Celeriac task runtime (${registry.app})`,
  runtime: {
    plan: registry.plan({ prefix: settings.prefix }),
    alarmEmail: settings.alarmEmail,
    removalPolicy: settings.removalPolicy,
    usePlanNames: settings.usePlanNames,
    oldestMessageAgeThreshold: settings.oldestMessageAgeThreshold,
  },
});
app.synth();
