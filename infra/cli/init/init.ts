import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../exit.js';
import { cdkJson, INIT_SCRIPTS, initFiles } from './templates.js';

/** Options of {@link runInit}. */
export interface InitOptions {
  /** The project root (where package.json is). */
  readonly cwd: string;
  /** The folder for the task code. @default `src/tasks` when `src/` exists, else `tasks` */
  readonly dir?: string;
}

/** What {@link runInit} did. */
export interface InitResult {
  readonly created: readonly string[];
  readonly scriptsAdded: readonly string[];
  /** Scripts left as they were because the package already had one of that name. */
  readonly scriptsKept: readonly string[];
}

function appName(pkgName: unknown, cwd: string): string {
  const raw = typeof pkgName === 'string' && pkgName ? pkgName : path.basename(cwd);
  const name = raw
    .replace(/^@[^/]+\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30);
  return /^[a-z]/.test(name) ? name : `app-${name}`.replace(/-$/, '');
}

/**
 * `celeriac init`: add Celeriac to an existing TypeScript project: `celeriac.config.ts`, a
 * registry with one task, the worker and results API entries, a CDK app whose stack uses
 * `TaskRuntime` from `celeriac/cdk`, `cdk.json`, and package scripts. It writes nothing when
 * any of those files exists already.
 *
 * @throws CliError (usage) when there is no package.json or a file would be overwritten.
 * @example
 * ```ts
 * const { created } = runInit({ cwd: process.cwd() });
 * ```
 */
export function runInit(options: InitOptions): InitResult {
  const { cwd } = options;
  const pkgPath = path.join(cwd, 'package.json');
  if (!existsSync(pkgPath)) {
    throw new CliError(
      ExitCode.USAGE,
      `no package.json in ${cwd}: run \`npm init -y\` first, then \`npx celeriac init\``,
    );
  }
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    name?: string;
    type?: string;
    scripts?: Record<string, string>;
  };
  const dir = (options.dir ?? (existsSync(path.join(cwd, 'src')) ? 'src/tasks' : 'tasks')).replace(
    /\/+$/,
    '',
  );
  // In a CommonJS package, .mts files keep the generated code ESM (Celeriac is ESM-only).
  const ext = pkg.type === 'module' ? 'ts' : 'mts';
  const files: Record<string, string> = { ...initFiles({ app: appName(pkg.name, cwd), dir, ext }) };
  files['cdk.json'] = cdkJson(ext);
  const existing = Object.keys(files).filter((f) => existsSync(path.join(cwd, f)));
  if (existing.length > 0) {
    throw new CliError(
      ExitCode.USAGE,
      `init writes nothing: these files exist already: ${existing.join(', ')} (move them, or pass --dir for the task code)`,
    );
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true });
    writeFileSync(path.join(cwd, file), text, { flag: 'wx' });
  }
  const scripts = { ...(pkg.scripts ?? {}) };
  const scriptsAdded: string[] = [];
  const scriptsKept: string[] = [];
  for (const [name, command] of Object.entries(INIT_SCRIPTS)) {
    if (scripts[name] === undefined) {
      scripts[name] = command;
      scriptsAdded.push(name);
    } else scriptsKept.push(name);
  }
  if (scriptsAdded.length) writeFileSync(pkgPath, `${JSON.stringify({ ...pkg, scripts }, null, 2)}\n`);
  return { created: Object.keys(files), scriptsAdded, scriptsKept };
}
