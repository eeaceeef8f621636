import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { runInit } from '../init/init.js';

/**
 * `init`: add Celeriac to the project in the working directory.
 *
 * @example
 * ```ts
 * initCommand(program);
 * ```
 */
export function initCommand(program: Command): void {
  program
    .command('init')
    .description(
      'add Celeriac to this TypeScript project: celeriac.config.ts, a registry with one task, worker and API entries, a CDK app, package scripts (never overwrites)',
    )
    .option('--dir <folder>', 'folder for the task code (default: src/tasks when src/ exists, else tasks)')
    .action((opts, cmd: Command) => {
      const { out } = contextOf(cmd);
      const result = runInit({ cwd: process.cwd(), ...(opts.dir ? { dir: opts.dir } : {}) });
      if (out.json) return out.data(result);
      for (const file of result.created) out.line(`created ${file}`);
      if (result.scriptsAdded.length) out.line(`added package scripts: ${result.scriptsAdded.join(', ')}`);
      if (result.scriptsKept.length) out.line(`kept your existing scripts: ${result.scriptsKept.join(', ')}`);
      out.line('');
      out.line('next:');
      out.line('  npm install -D aws-cdk aws-cdk-lib constructs tsx typescript');
      out.line('  npx celeriac dev        # the whole stack on this machine (needs Java 17+)');
      out.line('  npx cdk deploy          # to your AWS account');
    });
}
