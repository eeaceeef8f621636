import path from 'node:path';
import { loadProject, type Project } from '../../infra/project/load.js';
import type { Task } from '../../runtime/internal.js';

/** The repository root, where this repository's example app's celeriac.config.ts lives. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * This repository's example app, loaded as every consumer of the framework loads an app:
 * through its celeriac.config.ts (nothing outside tasks/ imports tasks/).
 *
 * @example
 * ```ts
 * const { registry } = await exampleApp();
 * ```
 */
export function exampleApp(): Promise<Project> {
  loaded ??= loadProject({ cwd: ROOT });
  return loaded;
}
let loaded: Promise<Project> | undefined;

/** One of the example app's tasks, by name. */
export async function exampleTask(name: string): Promise<Task> {
  const task = (await exampleApp()).registry.get(name);
  if (!task) throw new Error(`the example app has no task ${name}`);
  return task;
}

/** Several of the example app's tasks, by name, in order. */
export function exampleTasks<const N extends readonly string[]>(
  ...names: N
): Promise<{ [K in keyof N]: Task }> {
  return Promise.all(names.map(exampleTask)) as Promise<{ [K in keyof N]: Task }>;
}
