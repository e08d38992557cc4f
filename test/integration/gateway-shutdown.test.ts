import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { startHarness } from '../support/airlock-harness.js';
import { eventually } from '../support/eventually.js';

it('a graceful stop ends open watches promptly and still records them', async () => {
  const h = await startHarness({ dir: undefined });
  const watcher = await h.spawnKubectl(['get', 'configmaps', '--watch']);
  let out = '';
  watcher.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  await eventually(
    () => h.fake.requests.some((r) => r.path.endsWith('/configmaps') && r.query.get('watch') === 'true'),
    'the watch to reach the cluster',
    15_000,
  );
  // Stop only once the watch is being relayed: the cluster having the request does not mean its answer has reached
  // Airlock, and a stop before that cuts a request, not a stream.
  h.fake.seed({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'during-watch', namespace: 'default' },
  });
  await eventually(() => out.includes('during-watch'), 'the watch to relay an event', 15_000);
  const exited = new Promise<number | null>((r) => watcher.once('exit', r));

  const started = Date.now();
  const dir = h.dir;
  await h.airlock.close(); // the harness's close() would also delete the directory
  const stopMs = Date.now() - started;
  watcher.kill();
  await exited;
  await h.fake.close();

  expect(stopMs).toBeLessThan(5_000);
  const db = await openDatabase(`sqlite:${join(dir, 'airlock.db')}`);
  const watches = await db('events').where({ verb: 'watch' });
  await db.destroy();
  expect(watches).toHaveLength(1);
  expect(JSON.parse(watches[0].summary as string)).toMatchObject({ stream: true });
}, 60_000);
