/**
 * The project config file (`celeriac.config.ts`) and its loader: where the app's registry,
 * worker entry and results API entry are.
 *
 * @example
 * ```ts
 * import { defineConfig } from 'celeriac/config';
 * export default defineConfig({ registry: './tasks/index.ts', worker: './tasks/worker.ts' });
 * ```
 * @packageDocumentation
 */

export { type PlanOptions, planOf, type ResourcePlan } from '../../runtime/plan.js';
export { type DevSettings, defineConfig, type ProjectConfig } from './define-config.js';
export {
  CONFIG_FILE_NAMES,
  findConfigFile,
  type LoadProjectOptions,
  loadProject,
  type Project,
  type ProjectFiles,
  readProjectConfig,
} from './load.js';
