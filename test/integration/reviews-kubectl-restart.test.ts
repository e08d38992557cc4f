/**
 * A pending review survives an Airlock restart: kubectl re-runs against the new process, re-attaches to the stored
 * review, and the approved request runs exactly once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { eventually } from '../support/eventually.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';

const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
  - name: reads
    match: { verbs: [get, list, watch] }
    action: allow
  - name: prod-changes
    match: { namespaces: [prod] }
    action: review
    review: { approvers: { users: [alice] }, hold: 2s }
`;

const DELETE_PATH = '/apis/apps/v1/namespaces/prod/deployments/web';

let dir: string;
let fake: FakeApiServer;
let running: Harness | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-restart-'));
  fake = await startFakeApiServer();
});

afterAll(async () => {
  await running?.close();
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Stops the running Airlock (gracefully, as on a deploy) and starts a new one on the same data and cluster. */
async function restart(): Promise<Harness> {
  await running?.close();
  running = await startHarness({ policy: POLICY, dir, fake });
  return running;
}

it('a review pending across a restart re-attaches on the re-run and executes once', async () => {
  fake.seed({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'prod' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'web:1' }] },
      },
    },
  });
  const args = ['delete', 'deployment', 'web', '-n', 'prod'];
  const deletes = () => fake.requests.filter((r) => r.method === 'DELETE' && r.path === DELETE_PATH);

  const before = await restart();
  const first = await before.kubectl(args);
  expect(first.stderr).toContain('Run the same command again');
  const [review] = await before.airlock.reviews.list();
  expect(review?.state).toBe('pending');

  const after = await restart();
  expect((await after.airlock.reviews.list({ states: ['pending'] })).map((r) => r.id)).toEqual([review!.id]);
  const rerun = after.kubectl(args);
  await eventually(
    () => after.logs.some((l) => l.includes(`"review":"${review!.id}"`) && l.includes('"event":"attached"')),
    'the re-run to re-attach',
    20_000,
  );
  await after.airlock.reviews.decide(
    review!.id,
    { id: 'alice', name: 'alice', identifiers: ['alice'], groups: [], via: 'terminal', verified: true },
    { decision: 'approve' },
  );

  const result = await rerun;
  expect(result.stderr).toBe('');
  expect(result.stdout).toContain('deployment.apps "web" deleted');
  expect(deletes()).toHaveLength(1);
  expect(await after.airlock.reviews.list()).toMatchObject([{ id: review!.id, state: 'executed' }]);
}, 60_000);
