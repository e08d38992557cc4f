/**
 * Two Airlock processes on one database: this test process (replica A, in-process) and a real `airlock serve` child
 * (replica B). A decision stored anywhere releases the request parked on the other replica, exactly once; when B is
 * killed (-9) while parked, while the cluster holds its request, or after the cluster applied it, the review still
 * resolves (A's lease sweep, from the object) and the cluster sees the request at most once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Review } from '../../src/reviews/model.js';
import { reviewCard } from '../../src/slack/blocks/review-card.js';
import { AIRLOCK_CLI, DEFAULT_AGENT, startHarness, type Harness } from '../support/airlock-harness.js';
import { TEST_STORES } from '../support/postgres.js';
import type { KubectlResult } from '../support/kubectl.js';
import { eventually } from '../support/eventually.js';
import type { KubeObject, RecordedRequest } from '../support/fake-apiserver/index.js';

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
    review: { approvers: { users: [alice, bob] }, hold: 45s }
`;

describe.each(TEST_STORES)('replicas (%s store)', (store) => {
  let h: Harness;
  let replicaB: ChildProcess;
  let replicaBLog = '';
  /** A kubeconfig for the default agent pointing at replica B. */
  let kubeconfigB: string;

  function baseEnv(): Record<string, string> {
    return h.cliEnv();
  }

  /** Starts `airlock serve` on the harness's data directory, upstream and policy; resolves with its proxy URL. */
  function startReplicaB(): Promise<string> {
    replicaBLog = '';
    replicaB = spawn(process.execPath, [AIRLOCK_CLI, 'serve'], {
      cwd: h.dir,
      env: {
        ...baseEnv(),
        KUBECONFIG: join(h.dir, 'upstream.kubeconfig'),
        AIRLOCK_POLICY: join(h.dir, 'policy.yaml'),
        AIRLOCK_PROXY_LISTEN: '127.0.0.1:0',
        AIRLOCK_WEB_LISTEN: '127.0.0.1:0',
        AIRLOCK_INTERNAL_LISTEN: '127.0.0.1:0',
        AIRLOCK_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replica B did not start:\n${replicaBLog}`)), 30_000);
      const onOutput = (chunk: Buffer) => {
        replicaBLog += chunk.toString();
        const proxy = /"proxy":"(https:\/\/127\.0\.0\.1:\d+)"/.exec(replicaBLog)?.[1];
        if (proxy) {
          clearTimeout(timer);
          resolve(proxy);
        }
      };
      replicaB.stdout?.on('data', onOutput);
      replicaB.stderr?.on('data', onOutput);
      replicaB.once('exit', (code) => reject(new Error(`replica B exited (${code}):\n${replicaBLog}`)));
    });
  }

  /**
   * What the terminal and replica B read from ./airlock.yaml in the data directory: the people who may decide, and a
   * short execution lease so a killed replica's execution is resolved within seconds.
   */
  const AIRLOCK_YAML = `
people:
  - { id: alice, groups: [] }
  - { id: bob, groups: [] }
reviews: { executionLease: 2s }
`;

  /** Starts replica B and points `kubeconfigB` at it. */
  async function launchReplicaB(): Promise<void> {
    const proxyB = await startReplicaB();
    // Same data directory, so the same CA, serving certificate and local token issuer.
    const kubeconfigA = await readFile(await h.kubeconfig(DEFAULT_AGENT), 'utf8');
    kubeconfigB = join(h.dir, 'replica-b.kubeconfig');
    await writeFile(kubeconfigB, kubeconfigA.replace(h.airlock.proxyUrl, proxyB));
  }

  async function killReplicaB(): Promise<void> {
    const exited = new Promise((resolve) => replicaB.once('exit', resolve));
    replicaB.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY, store });
    await writeFile(join(h.dir, 'airlock.yaml'), AIRLOCK_YAML);
    await launchReplicaB();
  }, 60_000);

  afterAll(async () => {
    if (replicaB && replicaB.exitCode === null && replicaB.signalCode === null) {
      const exited = new Promise((resolve) => replicaB.once('exit', resolve));
      replicaB.kill('SIGTERM');
      await exited;
    }
    await h?.close();
  });

  function deploymentObject(name: string, labels?: Record<string, string>): KubeObject {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'prod', ...(labels ? { labels } : {}) },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'app:1' }] } },
      },
    };
  }

  function seedDeployment(name: string): void {
    h.fake.seed(deploymentObject(name));
  }

  const deletesOf = (name: string) =>
    h.fake.requests.filter(
      (r) => r.method === 'DELETE' && r.path === `/apis/apps/v1/namespaces/prod/deployments/${name}`,
    );

  function pendingReview(name: string): Promise<Review> {
    return eventually(
      async () =>
        (await h.airlock.reviews.list({ states: ['pending'] })).find((r) => r.classification.name === name),
      `a pending review of ${name}`,
      20_000,
    );
  }

  /** kubectl options that send the request through replica B. */
  const onB = () => ({ env: { KUBECONFIG: kubeconfigB } });

  /** Runs kubectl through replica B and waits until B parked it on a new review. */
  async function parkedOnB(
    args: string[],
    name: string,
  ): Promise<{ run: Promise<KubectlResult>; review: Review }> {
    const run = h.kubectl(args, onB());
    const review = await pendingReview(name);
    await eventually(
      () => replicaBLog.includes(`"review":"${review.id}","event":"created"`),
      'replica B to create the review',
    );
    return { run, review };
  }

  /** A Slack approval (as replica A's adapter would record it). */
  function approveAs(person: string, reviewId: string) {
    return h.airlock.reviews.decide(
      reviewId,
      { id: person, name: person, identifiers: [person], groups: [], via: 'slack', verified: true },
      { decision: 'approve' },
    );
  }

  /** The review once replica A's lease sweep resolved it. */
  function resolvedAsFailed(reviewId: string): Promise<Review> {
    return eventually(
      async () => {
        const r = await h.airlock.reviews.get(reviewId);
        return r?.state === 'failed' ? r : undefined;
      },
      'replica A to resolve the abandoned execution',
      15_000,
    );
  }

  describe('two gateway processes on one database', () => {
    it('parked on A, approved from the terminal (another process): A releases it', async () => {
      seedDeployment('on-a');
      const run = h.kubectl(['delete', 'deployment', 'on-a', '-n', 'prod']);
      const review = await pendingReview('on-a');
      await eventually(
        () => h.logs.some((l) => l.includes(`"review":"${review.id}","event":"created"`)),
        'replica A to create the review',
      );

      const approved = await h.cli(['reviews', 'approve', review.id, '--as', 'alice']);
      expect(approved.stdout).toContain(`Review ${review.id}: approved.`);
      const result = await run;
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('deployment.apps "on-a" deleted');
      expect(deletesOf('on-a')).toHaveLength(1);
    }, 90_000);

    it('parked on B, approved by A: B releases it within a second', async () => {
      seedDeployment('on-b');
      const { run, review } = await parkedOnB(['delete', 'deployment', 'on-b', '-n', 'prod'], 'on-b');
      expect(deletesOf('on-b')).toEqual([]);

      const decidedAt = Date.now();
      await approveAs('bob', review.id);
      await eventually(() => deletesOf('on-b').length > 0, 'the delete from replica B', 5_000);
      expect(Date.now() - decidedAt).toBeLessThan(1_000);
      const result = await run;
      expect(result.stdout).toContain('deployment.apps "on-b" deleted');
      expect(deletesOf('on-b')).toHaveLength(1);
      // Replica B claimed and completed the execution in the shared database.
      await eventually(
        async () => (await h.airlock.reviews.get(review.id))?.state === 'executed',
        'the review executed by B',
      );
    }, 90_000);

    it('the same request parked on both replicas shares one review and runs exactly once', async () => {
      seedDeployment('both');
      const args = ['delete', 'deployment', 'both', '-n', 'prod'];
      const viaA = h.kubectl(args);
      const viaB = h.kubectl(args, onB());
      const review = await pendingReview('both');
      // Both replicas are parked on it: each logged its create or attach.
      const logged = `"review":"${review.id}"`;
      await eventually(
        () => h.logs.some((l) => l.includes(logged)) && replicaBLog.includes(logged),
        'both replicas to park on the review',
        20_000,
      );

      await approveAs('alice', review.id);
      const results = await Promise.all([viaA, viaB]);
      expect(deletesOf('both')).toHaveLength(1);
      const succeeded = results.filter((r) => r.stdout.includes('deployment.apps "both" deleted'));
      const refused = results.filter((r) => r.code !== 0);
      expect(succeeded).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.stderr).toContain(`review ${review.id}`);
      expect((await h.airlock.reviews.list()).filter((r) => r.classification.name === 'both')).toHaveLength(
        1,
      );
    }, 90_000);

    it('replica B killed (-9) while parked: the approval waits for the re-run, which runs once through A', async () => {
      seedDeployment('parked-on-dead');
      const { run, review } = await parkedOnB(
        ['delete', 'deployment', 'parked-on-dead', '-n', 'prod'],
        'parked-on-dead',
      );
      await killReplicaB();
      expect((await run).code).not.toBe(0);
      await approveAs('alice', review.id);
      expect((await h.airlock.reviews.get(review.id))?.state).toBe('approved');
      expect(deletesOf('parked-on-dead')).toEqual([]);

      const rerun = await h.kubectl(['delete', 'deployment', 'parked-on-dead', '-n', 'prod']);
      expect(rerun.stdout).toContain('deployment.apps "parked-on-dead" deleted');
      expect(deletesOf('parked-on-dead')).toHaveLength(1);
      await eventually(
        async () => (await h.airlock.reviews.get(review.id))?.state === 'executed',
        'the review executed by A',
      );
      await launchReplicaB();
    }, 90_000);

    it('replica B killed (-9) after the cluster applied its approved request, before storing the outcome: A resolves it from the object', async () => {
      seedDeployment('applied');
      const path = '/apis/apps/v1/namespaces/prod/deployments/applied';
      const realPatch = (r: RecordedRequest) =>
        r.method === 'PATCH' && r.path === path && !r.query.has('dryRun');
      h.fake.addFault({
        match: realPatch,
        respond: {
          // The cluster applies the change; Airlock dies before it reads the answer.
          raw: (res) => {
            const applied = h.fake.seed(deploymentObject('applied', { tier: 'gold' }));
            replicaB.kill('SIGKILL');
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(applied));
          },
        },
        times: 1,
      });
      const exited = new Promise((resolve) => replicaB.once('exit', resolve));
      const { run, review } = await parkedOnB(
        ['label', 'deployment', 'applied', '-n', 'prod', 'tier=gold'],
        'applied',
      );
      await approveAs('alice', review.id);
      await exited;
      expect((await run).code).not.toBe(0);

      const resolved = await resolvedAsFailed(review.id);
      const [, now, reviewed] =
        /deployments "applied" exists at resourceVersion (\d+) \(reviewed at (\d+)\)/.exec(
          resolved.outcome?.message ?? '',
        ) ?? [];
      expect(resolved.outcome?.unknown).toBe(true);
      // The cluster is the source of truth: the object moved on since the review, so the change most likely happened.
      expect(Number(now)).toBeGreaterThan(Number(reviewed));
      expect(h.fake.requests.filter(realPatch)).toHaveLength(1);
      await launchReplicaB();
    }, 90_000);

    // Last: it kills replica B.
    it('replica B killed (-9) while the cluster holds the approved request: A resolves it from the object once the lease lapses', async () => {
      seedDeployment('killed');
      const path = '/apis/apps/v1/namespaces/prod/deployments/killed';
      h.fake.addFault({
        match: (r) =>
          r.method === 'DELETE' && r.path === path && !r.query.has('dryRun') && !r.body.includes('dryRun'),
        respond: 'hang',
        times: 1,
      });
      const { run, review } = await parkedOnB(['delete', 'deployment', 'killed', '-n', 'prod'], 'killed');
      await approveAs('alice', review.id);
      await eventually(
        () => deletesOf('killed').length > 0 || undefined,
        'the delete from replica B',
        10_000,
      );
      expect((await h.airlock.reviews.get(review.id))?.state).toBe('executing');

      await killReplicaB();
      expect((await run).code).not.toBe(0);

      const resolved = await resolvedAsFailed(review.id);
      expect(resolved.outcome).toMatchObject({
        status: 0,
        unknown: true,
        message: expect.stringContaining('deployments "killed" exists at resourceVersion'),
      });
      expect(reviewCard(resolved).text).toMatch(/^Approved and sent, but the outcome is unknown/);
      expect(deletesOf('killed')).toHaveLength(1);

      // The agent's re-run (through A) is a fresh review, not the dead execution.
      const rerun = h.kubectl(['delete', 'deployment', 'killed', '-n', 'prod']);
      const fresh = await pendingReview('killed');
      expect(fresh.id).not.toBe(review.id);
      await h.airlock.reviews.cancel(fresh.id, { kind: 'person', name: 'alice' });
      expect((await rerun).stderr).toContain('was cancelled');
      expect(deletesOf('killed')).toHaveLength(1);
    }, 90_000);
  });
});
