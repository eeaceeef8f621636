import type { Command } from 'commander';
import { TaskQuery, type TaskSummary, type Workflow } from '../../../runtime/internal.js';
import { checkId } from '../../api/ops/tasks.js';
import { contextOf } from '../context.js';
import { CliError, ExitCode } from '../exit.js';
import { ms, type Output } from '../output.js';
import { asCliError } from './tasks.js';

/**
 * Render a workflow as an indented tree (parent → children), sources first.
 *
 * @example
 * ```ts
 * console.log(workflowTree(workflow, out).join('\n'));
 * ```
 */
export function workflowTree(wf: Workflow, out: Pick<Output, 'color' | 'dim'>): string[] {
  const byId = new Map(wf.nodes.map((n) => [n.id, n]));
  const children = new Map<string, string[]>();
  const hasParent = new Set<string>();
  for (const e of wf.edges) {
    if (!byId.has(e.from) || !byId.has(e.to)) continue;
    children.set(e.from, [...(children.get(e.from) ?? []), e.to]);
    hasParent.add(e.to);
  }
  const roots = wf.nodes.filter((n) => !hasParent.has(n.id)).map((n) => n.id);
  const lines: string[] = [];
  const seen = new Set<string>();
  const label = (n: TaskSummary) =>
    `${out.color(n.state)} ${n.task || out.dim('(not started)')} ${out.dim(n.id)}${n.runtimeMs !== undefined ? ` ${out.dim(ms(n.runtimeMs))}` : ''}${n.errorType ? ` ${out.color('FAILURE', n.errorType)}` : ''}`;
  const walk = (id: string, prefix: string, last: boolean, top: boolean) => {
    const node = byId.get(id)!;
    lines.push(top ? label(node) : `${prefix}${last ? '└─ ' : '├─ '}${label(node)}`);
    if (seen.has(id)) return;
    seen.add(id);
    const kids = children.get(id) ?? [];
    const next = top ? '' : `${prefix}${last ? '   ' : '│  '}`;
    kids.forEach((kid, i) => {
      walk(kid, next, i === kids.length - 1, false);
    });
  };
  for (const id of roots) walk(id, '', true, true);
  return lines;
}

/**
 * `workflow <root-id>`: a workflow as a tree in the terminal.
 *
 * @example
 * ```ts
 * workflowCommand(program);
 * ```
 */
export function workflowCommand(program: Command): void {
  program
    .command('workflow')
    .description('show a workflow (chain, group, chord…) as a tree, with states')
    .argument('<root-id>', "the workflow's root task id")
    .action(async (rootId: string, _opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const { client, plan } = await target();
      try {
        checkId(rootId, 'root id');
      } catch (err) {
        throw asCliError(err);
      }
      const query = new TaskQuery(client.dynamodb, client.config.table, {
        taskNames: plan.tasks.map((t) => t.name),
        shards: plan.table.shards,
      });
      const wf = await query.workflow(rootId);
      if (!wf) throw new CliError(ExitCode.NOT_FOUND, `no stored task of workflow ${rootId}`);
      if (out.json) return out.data(wf);
      for (const line of workflowTree(wf, out)) out.line(line);
      out.line(
        out.dim(
          Object.entries(wf.counts)
            .map(([s, n]) => `${s} ${n}`)
            .join(' · '),
        ),
      );
    });
}
