import { describe, expect, it } from 'vitest';
import { workflowTree } from '../../infra/cli/commands/workflow.js';
import { table } from '../../infra/cli/output.js';
import type { TaskSummary, Workflow } from '../../runtime/internal.js';

const plain = { color: (_s: string, t?: string) => t ?? _s, dim: (t: string) => t };
const node = (id: string, state: string, parentId?: string, extra: Partial<TaskSummary> = {}): TaskSummary =>
  ({
    id,
    state,
    task: `t.${id}`,
    queue: 'q',
    attempts: 1,
    updatedAt: 1,
    rootId: 'r',
    tags: [],
    expiresAt: 9,
    ...(parentId ? { parentId } : {}),
    ...extra,
  }) as TaskSummary;

describe('table', () => {
  it('pads columns to the widest cell and right-aligns numbers', () => {
    expect(
      table(
        [
          ['high', '3'],
          ['default', '12'],
        ],
        ['QUEUE', 'N'],
        [false, true],
      ),
    ).toBe('QUEUE     N\nhigh      3\ndefault  12');
  });

  it('ignores colour codes when measuring', () => {
    expect(table([['\u001b[31mFAIL\u001b[0m', 'x']], ['STATE', 'T']).split('\n')[1]).toBe(
      '\u001b[31mFAIL\u001b[0m   x',
    );
  });
});

describe('workflowTree', () => {
  it('draws parents above their children with box characters', () => {
    const wf: Workflow = {
      rootId: 'r',
      nodes: [
        node('r', 'SUCCESS'),
        node('a', 'SUCCESS', 'r'),
        node('b', 'FAILURE', 'r', { errorType: 'Error' }),
        node('c', 'SUCCESS', 'a'),
      ],
      edges: [
        { from: 'r', to: 'a', kind: 'next' },
        { from: 'r', to: 'b', kind: 'next' },
        { from: 'a', to: 'c', kind: 'next' },
      ],
      counts: { SUCCESS: 3, FAILURE: 1 },
      truncated: false,
    };
    expect(workflowTree(wf, plain)).toEqual([
      'SUCCESS t.r r',
      '├─ SUCCESS t.a a',
      '│  └─ SUCCESS t.c c',
      '└─ FAILURE t.b b Error',
    ]);
  });
});
