import { describe, expect, it } from 'vitest';
import { CeleriacClient } from '../../runtime/client.js';
import { prepareMessage } from '../../runtime/enqueue.js';
import { decodeEnvelope } from '../../runtime/envelope.js';
import { task } from '../../runtime/task.js';

const client = new CeleriacClient({
  config: {
    region: 'us-east-1',
    table: 'unit-results',
    queues: { default: { url: 'http://127.0.0.1:1/q/default', dlqUrl: 'http://127.0.0.1:1/q/default-dlq' } },
  },
  now: () => 1_000_000,
});
const t = task('unit.t', { tags: ['team:a'] }, (args: { n: number }) => args.n);

describe('prepareMessage (no network)', () => {
  it('builds a compact envelope: root left out when it is the task itself, restored on decode', async () => {
    const msg = await prepareMessage(t, { n: 1 }, { id: 'id-1' }, client);
    expect(JSON.parse(msg.body)).not.toHaveProperty('root');
    const decoded = decodeEnvelope(msg.body);
    expect(decoded).toMatchObject({ ok: true, envelope: { id: 'id-1', root: 'id-1', tags: ['team:a'] } });
    const child = await prepareMessage(t, { n: 1 }, { id: 'id-2', rootId: 'id-1', parentId: 'id-1' }, client);
    expect(JSON.parse(child.body)).toMatchObject({ root: 'id-1', parent: 'id-1' });
  });

  it('merges enqueue tags with the task tags and rejects a bad one by name', async () => {
    const msg = await prepareMessage(t, { n: 1 }, { tags: ['tenant:42', 'team:a'] }, client);
    expect(JSON.parse(msg.body).tags).toEqual(['team:a', 'tenant:42']);
    await expect(prepareMessage(t, { n: 1 }, { tags: ['has space'] }, client)).rejects.toThrow(
      /task "unit.t" tag: got "has space"/,
    );
  });

  it('names the path of a non-JSON argument', async () => {
    await expect(prepareMessage(t, { n: 1, at: new Date(0) } as never, {}, client)).rejects.toThrow(
      'task "unit.t" args.at is a Date',
    );
  });

  it('rejects an unknown queue override, listing the configured ones', async () => {
    await expect(prepareMessage(t, { n: 1 }, { queue: 'nope' }, client)).rejects.toThrow(
      /configured: default/,
    );
  });
});
