import { type FSWatcher, watch } from 'node:fs';

/** Files whose changes never reload the workers. */
const IGNORED = /(^|[/\\])(node_modules|\.celeriac|\.git|cdk\.out|dist)([/\\]|$)|~$|\.swp$/;

/**
 * Watch folders (recursively) and call `onChange` once per burst of changes (editors write a
 * file in several steps), with the changed paths.
 *
 * @example
 * ```ts
 * const stop = watchFiles(['src/tasks'], (paths) => reload(paths));
 * ```
 */
export function watchFiles(
  paths: readonly string[],
  onChange: (changed: string[]) => void,
  quietMs = 100,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  const watchers: FSWatcher[] = paths.map((path) =>
    watch(path, { recursive: true }, (_event, file) => {
      const name = file ? String(file) : path;
      if (IGNORED.test(name)) return;
      changed.add(name);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const list = [...changed];
        changed.clear();
        onChange(list);
      }, quietMs);
    }),
  );
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
