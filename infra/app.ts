#!/usr/bin/env node
/**
 * This repository's example CDK app, the one `cdk.json` runs: one Celeriac stack built from the
 * app named by `celeriac.config.ts` (registry, worker and results API entries). It uses only the
 * package's public entry points, as an app that installed `celeriac` would.
 * Environment-agnostic (no account or region lookups), so `npx cdk synth` works offline.
 *
 * Settings: `npx cdk deploy -c alarmEmail=ops@example.com -c removalPolicy=destroy -c prefix=shop`
 * (see docs/deploy.md). Run directly (`npx tsx infra/app.ts -c prefix=shop`) it reads `cdk.json`
 * itself and writes `cdk.out`, as `cdk synth` would.
 */
import { App } from 'aws-cdk-lib';
import { CeleriacStack, settingsFromContext, standaloneAppProps } from 'celeriac/cdk';
import { loadProject, planOf } from 'celeriac/config';

const project = await loadProject();
// The CDK CLI sets CDK_OUTDIR and passes the context; without it, read cdk.json like the CLI does.
const app = new App(process.env.CDK_OUTDIR ? {} : standaloneAppProps(process.argv.slice(2), process.cwd()));
const settings = settingsFromContext(app.node);
new CeleriacStack(app, settings.stackName, {
  description: `Celeriac task runtime (${project.registry.app})`,
  runtime: {
    plan: planOf(project.registry, { prefix: settings.prefix }),
    workerEntry: project.workerEntry,
    resultsApi: project.apiEntry ? { entry: project.apiEntry } : { enabled: false },
    alarmEmail: settings.alarmEmail,
    removalPolicy: settings.removalPolicy,
    usePlanNames: settings.usePlanNames,
    oldestMessageAgeThreshold: settings.oldestMessageAgeThreshold,
  },
});
app.synth();
