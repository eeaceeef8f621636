import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { TaskRuntimeProps } from '../../infra/cdk/props.js';
import { CeleriacStack } from '../../infra/cdk/stack.js';
import type { QueuePlan, ResourcePlan } from '../../runtime/plan.js';
import { planOf } from '../../runtime/plan.js';
import { exampleApp } from '../support/example-app.js';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** This repository's example app (loaded through its celeriac.config.ts). */
export const app = await exampleApp();

/** The feature flags of `cdk.json`, so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/** The application's plan (three queues: high, default, low). */
export const plan: ResourcePlan = planOf(app.registry);

/** Stand-in worker code: template tests don't need the real bundle (one test bundles it). */
export function prebuiltCode(): lambda.Code {
  return lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });');
}

/** A copy of the plan with one queue's settings changed. */
export function planWith(name: string, change: Partial<QueuePlan>): ResourcePlan {
  return { ...plan, queues: plan.queues.map((q) => (q.name === name ? { ...q, ...change } : q)) };
}

/**
 * The app's stack with stand-in worker and results API code (no bundling); `props` override
 * the runtime's props.
 */
export function buildStack(
  props: Partial<TaskRuntimeProps> = {},
  context: Record<string, unknown> = {},
): CeleriacStack {
  const app = new App({ context: { ...cdkJsonContext(), ...context } });
  return new CeleriacStack(app, 'Celeriac', {
    runtime: { plan, workerCode: prebuiltCode(), resultsApi: { code: prebuiltCode() }, ...props },
  });
}
