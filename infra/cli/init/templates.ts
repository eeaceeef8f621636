/** What `celeriac init` writes, as functions of the app's names. */
export interface InitNames {
  /** The app name: prefixes every AWS resource name. */
  readonly app: string;
  /** The folder of the task code, relative to the project root (`src/tasks`). */
  readonly dir: string;
  /** The module extension: `ts` in an ESM package, `mts` otherwise. */
  readonly ext: 'ts' | 'mts';
}

/** The import suffix of a module with extension `ext`. */
const js = (ext: InitNames['ext']) => (ext === 'ts' ? 'js' : 'mjs');

/** The files `celeriac init` creates, by path relative to the project root. */
export function initFiles({ app, dir, ext }: InitNames): Record<string, string> {
  const x = js(ext);
  return {
    [`celeriac.config.${ext}`]: `import { defineConfig } from 'celeriac/config';

/** Where this app's Celeriac code is: read by the celeriac CLI, \`celeriac dev\` and the CDK app. */
export default defineConfig({
  registry: './${dir}/index.${ext}',
  worker: './${dir}/worker.${ext}',
  api: './${dir}/api.${ext}',
});
`,
    [`${dir}/hello.${ext}`]: `import { task } from 'celeriac';

/** An example task: replace it with your own. */
export const hello = task('hello', { timeout: '30s' }, async ({ name }: { name: string }) => {
  return { greeting: \`Hello, \${name}!\` };
});
`,
    [`${dir}/index.${ext}`]: `import { createRegistry } from 'celeriac';
import { hello } from './hello.${x}';

/** Every task and queue of the app, listed explicitly. */
export const registry = createRegistry({
  app: '${app}',
  queues: { default: {} },
  tasks: [hello],
});
`,
    [`${dir}/worker.${ext}`]: `import { createWorker } from 'celeriac';
import { registry } from './index.${x}';

/** The worker Lambda's entry point: drains every queue of the registry. */
export const handler = createWorker(registry);
`,
    [`${dir}/api.${ext}`]: `import { createApiHandler } from 'celeriac/api';
import { registry } from './index.${x}';

/** The results API and dashboard Lambda's entry point. */
export const handler = createApiHandler({ registry });
`,
    [`cdk/celeriac-stack.${ext}`]: `import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { TaskRuntime } from 'celeriac/cdk';
import { planOf, type Project } from 'celeriac/config';
import type { Construct } from 'constructs';

/** The app's task runtime: queues, workers, results table, Scheduler, results API, alarms. */
export class CeleriacAppStack extends Stack {
  readonly tasks: TaskRuntime;

  constructor(scope: Construct, id: string, project: Project, props?: StackProps) {
    super(scope, id, props);
    this.tasks = new TaskRuntime(this, 'Tasks', {
      plan: planOf(project.registry),
      workerEntry: project.workerEntry,
      resultsApi: project.apiEntry ? { entry: project.apiEntry } : { enabled: false },
    });
    new CfnOutput(this, 'CeleriacConfig', { value: this.tasks.clientConfigJson });
    if (this.tasks.api) new CfnOutput(this, 'CeleriacApiUrl', { value: this.tasks.api.url });
  }
}
`,
    [`cdk/app.${ext}`]: `import { App } from 'aws-cdk-lib';
import { loadProject } from 'celeriac/config';
import { CeleriacAppStack } from './celeriac-stack.${x}';

const project = await loadProject();
const app = new App();
new CeleriacAppStack(app, '${stackName(app)}', project);
app.synth();
`,
  };
}

/** The CDK stack name for an app name (`my-app` → `MyAppTasks`). */
export function stackName(app: string): string {
  return `${app
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')}Tasks`;
}

/** `cdk.json` for the generated CDK app. */
export function cdkJson(ext: InitNames['ext']): string {
  return `${JSON.stringify({ app: `npx tsx cdk/app.${ext}`, output: 'cdk.out' }, null, 2)}\n`;
}

/** The package scripts `celeriac init` adds (never replacing one that exists). */
export const INIT_SCRIPTS: Readonly<Record<string, string>> = {
  dev: 'celeriac dev',
  synth: 'cdk synth',
  deploy: 'cdk deploy',
};
