import { watch } from 'chokidar';

/** Paths whose changes never reload the workers. */
const IGNORED = /(^|[/\\])(node_modules|\.celeriac|\.git|cdk\.out|dist)([/\\]|$)|~$|\.swp$/;

/**
 * Watch folders (recursively, through chokidar: Node's own recursive watch misses events on
 * Linux) and call `onChange` once per burst of changes (editors write a file in several steps),
 * with the changed paths.
 *
 * @example
 * ```ts
 * const watcher = watchFiles(['src/tasks'], (paths) => reload(paths));
 * await watcher.ready; // changes from here on are seen
 * ```
 */
export function watchFiles(
  paths: readonly string[],
  onChange: (changed: string[]) => void,
  quietMs = 100,
): { readonly ready: Promise<void>; close(): void } {
  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  const watcher = watch([...paths], { ignored: (path) => IGNORED.test(path), ignoreInitial: true });
  watcher.on('all', (_event, path) => {
    changed.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const list = [...changed];
      changed.clear();
      onChange(list);
    }, quietMs);
  });
  return {
    ready: new Promise<void>((resolve) => watcher.once('ready', () => resolve())),
    close() {
      clearTimeout(timer);
      void watcher.close();
    },
  };
}
