import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CeleriacClient, type CeleriacConfig, parseConfig } from '../../runtime/internal.js';

/**
 * Where `celeriac dev` writes the running stack's config, for the CLI, the demo and scripts:
 * `.celeriac/local.json` in the app's root (the folder of its celeriac.config.ts).
 */
export function localConfigPath(root: string = process.cwd()): string {
  return resolve(root, '.celeriac', 'local.json');
}

/** Save the running stack's config. */
export function writeLocalConfig(
  config: CeleriacConfig,
  extra: Record<string, unknown> = {},
  path: string = localConfigPath(),
): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ ...config, ...extra }, null, 2)}\n`);
  return path;
}

/** Read the running stack's config; a clear error when `celeriac dev` is not running. */
export function readLocalConfig(path: string = localConfigPath()): CeleriacConfig {
  if (!existsSync(path)) {
    throw new Error(`no local stack config at ${path}: start the local stack first with \`npm run dev\``);
  }
  return parseConfig(JSON.parse(readFileSync(path, 'utf8')), path);
}

/** A client for the running local stack. */
export function clientFromLocalConfig(path: string = localConfigPath()): CeleriacClient {
  return new CeleriacClient({ config: readLocalConfig(path) });
}
