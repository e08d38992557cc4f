import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { agentHttp } from '../support/agent-http.js';
import { DEFAULT_AGENT, startHarness } from '../support/airlock-harness.js';
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

it('a stop that cuts a request before its answer says so, and records it as Airlock stopping, not the cluster', async () => {
  const h = await startHarness({ dir: undefined });
  try {
    // The cluster takes the watch and never answers: the stop finds it waiting for the answer's headers.
    h.fake.addFault({ match: (r) => r.query.get('watch') === 'true', respond: 'hang' });
    const agent = await agentHttp(h, await h.mint(DEFAULT_AGENT));
    const answer = agent.request({ path: '/api/v1/namespaces/default/configmaps?watch=true' });
    await eventually(
      () => h.fake.requests.some((r) => r.query.get('watch') === 'true'),
      'the watch to reach the cluster',
      15_000,
    );
    h.airlock.gateway.stop(); // what a graceful stop does first, while the metrics can still be read
    const { status, headers, body } = await answer;

    expect(status).toBe(503);
    expect(headers['retry-after']).toBe('1');
    expect(JSON.parse(body)).toMatchObject({
      kind: 'Status',
      reason: 'ServiceUnavailable',
      message: 'the request was cut short (Airlock is stopping); retry',
    });
    const watch = await eventually(
      async () =>
        (await h.airlock.db('events').where({ verb: 'watch' }))[0] as Record<string, unknown> | undefined,
      'the watch to be recorded',
    );
    expect(watch).toMatchObject({ status: 503 });
    const { error } = JSON.parse(String(watch.summary)) as { error: string };
    expect(error).toContain('Airlock is stopping');
    expect(error).not.toMatch(/unreachable|cancelled/);
    // Not counted as the cluster failing (nor as an agent leaving, which `aborted` means).
    const metrics = await (await fetch(`${h.airlock.internalUrl}/metrics`)).text();
    expect(metrics).not.toMatch(/airlock_upstream_errors_total\{[^}]*\} [1-9]/);
  } finally {
    await h.close();
  }
}, 60_000);
