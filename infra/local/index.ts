/**
 * The local stack: SQS (fauxqs), DynamoDB Local, a local EventBridge Scheduler and Lambda-like
 * event source mappings, running the same runtime code as AWS. `celeriac dev` is built on it.
 *
 * @example
 * ```ts
 * import { startLocalStack } from 'celeriac/local';
 * const stack = await startLocalStack({ registry });
 * stack.startWorkers();
 * ```
 * @packageDocumentation
 */
export { API_PORT_ENV, type DevOptions, type DevSession, runDev } from './dev.js';
export type { InvocationInfo } from './event-source.js';
export { clientFromLocalConfig, localConfigPath, readLocalConfig } from './local-config.js';
export type { Firing, LocalScheduler } from './scheduler/server.js';
export { LocalStackError } from './servers.js';
export {
  attachLocalApp,
  type LocalApp,
  type LocalAppOptions,
  type LocalEndpoints,
  type LocalServers,
  type LocalServersOptions,
  type LocalStack,
  type LocalStackOptions,
  startLocalServers,
  startLocalStack,
  type WorkersOptions,
} from './stack.js';
