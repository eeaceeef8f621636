import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CeleriacClient, type CeleriacConfig, parseConfig } from '../../runtime/index.js';

/** Where `npm run dev` writes the running stack's config, for the CLI, the demo and scripts. */
export const LOCAL_CONFIG_PATH = resolve(process.cwd(), '.celeriac', 'local.json');

/** Save the running stack's config. */
export function writeLocalConfig(config: CeleriacConfig, extra: Record<string, unknown> = {}): string {
  mkdirSync(dirname(LOCAL_CONFIG_PATH), { recursive: true });
  writeFileSync(LOCAL_CONFIG_PATH, `${JSON.stringify({ ...config, ...extra }, null, 2)}\n`);
  return LOCAL_CONFIG_PATH;
}

/** Read the running stack's config; a clear error when `npm run dev` is not running. */
export function readLocalConfig(path = LOCAL_CONFIG_PATH): CeleriacConfig {
  if (!existsSync(path)) {
    throw new Error(`no local stack config at ${path}: start the local stack first with \`npm run dev\``);
  }
  return parseConfig(JSON.parse(readFileSync(path, 'utf8')), path);
}

/** A client for the running local stack. */
export function clientFromLocalConfig(path = LOCAL_CONFIG_PATH): CeleriacClient {
  return new CeleriacClient({ config: readLocalConfig(path) });
}
