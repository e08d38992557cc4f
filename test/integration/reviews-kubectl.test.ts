/**
 * Reviews end to end: real kubectl parks on Airlock in front of the fake API server while people decide from the
 * terminal (the built `airlock` CLI) or through the engine, as the Slack adapter would.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl } from '../../src/config/load.js';
import { openDatabase } from '../../src/db/database.js';
import { createReviewEngine, type DecideResult } from '../../src/reviews/engine.js';
import { MASKED_TEXT } from '../../src/masking/index.js';
import { createInspector } from '../../src/preview/inspect.js';
import { denyReasonModal, fullDiffModal } from '../../src/slack/blocks/modals.js';
import { reviewCard } from '../../src/slack/blocks/review-card.js';
import { ownerNotice } from '../../src/slack/blocks/thread-messages.js';
import type { Approver, Review } from '../../src/reviews/model.js';
import { agentHttp } from '../support/agent-http.js';
import { getSession, querySessions } from '../../src/recording/query.js';
import { DEFAULT_AGENT, startHarness, type Harness } from '../support/airlock-harness.js';
import { TEST_STORES } from '../support/postgres.js';
import { eventually } from '../support/eventually.js';
import type { KubeObject, RecordedRequest } from '../support/fake-apiserver/index.js';
import { loadTestCluster } from '../support/upstream-cluster.js';

/** Holds are long where a test approves through the CLI (a cold start takes seconds on a busy machine). */
const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
defaults:
  review:
    approvers: { users: [alice, bob, carol, owner@example.com], groups: [oncall] }
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
  # Before reads: kubectl's WebSocket exec is a GET, which kube-apiserver classifies as verb get.
  - name: exec-under-review
    match: { resources: [pods/exec] }
    action: review
    review: { hold: 45s }
  - name: reads
    match: { verbs: [get, list, watch] }
    action: allow
  # Stricter than prod-changes for the same namespace and resources: a prod-changes grant must not cover it.
  - name: prod-ledger
    match: { namespaces: [prod], names: ['ledger*'] }
    action: review
    review: { approvals: 2, hold: 45s, maxGrant: 0s }
  - name: prod-changes
    match: { namespaces: [prod] }
    action: review
    review: { hold: 45s, maxGrant: 15m }
  - name: staging-changes
    match: { namespaces: [staging] }
    action: review
    review: { hold: 3s }
  - name: critical-changes
    match: { namespaces: [critical] }
    action: review
    review: { approvals: 2, hold: 45s }
  - name: scratch-changes
    match: { namespaces: [scratch] }
    action: review
    review: { hold: 1s, timeout: 3s }
  - name: everything-else
    match: {}
    action: allow
`;

describe.each(TEST_STORES)('reviews with real kubectl (%s store)', (store) => {
  let h: Harness;

  /** Who the terminal knows (the CLI reads ./airlock.yaml in the data directory it runs in). */
  const PEOPLE = `
people:
  - { id: alice, groups: [] }
  - { id: bob, groups: [] }
  - { id: carol, groups: [] }
  - { id: owner, email: owner@example.com, groups: [] }
`;

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY, store });
    await writeFile(join(h.dir, 'airlock.yaml'), PEOPLE);
  });

  afterAll(async () => h?.close());

  function deployment(namespace: string, name: string, replicas = 1): KubeObject {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name, image: 'app:1.0' }] },
        },
      },
    };
  }

  function configMap(namespace: string, name: string): KubeObject {
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { k: 'v' } };
  }

  const deploymentPath = (namespace: string, name: string) =>
    `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;

  const liveDeployment = (namespace: string, name: string) =>
    h.fake.getObject({ group: 'apps', version: 'v1', resource: 'deployments', namespace, name });

  /** DELETEs of `path` that reached the cluster for real (not dry runs). */
  const deletesOf = (path: string): RecordedRequest[] =>
    h.fake.requests.filter(
      (r) =>
        r.method === 'DELETE' && r.path === path && !r.query.has('dryRun') && !r.body.includes('"dryRun"'),
    );

  /** Reviews of one object, oldest first. */
  async function reviewsOf(namespace: string, name: string): Promise<Review[]> {
    const all = await h.airlock.reviews.list({ limit: 1000 });
    return all
      .filter((r) => r.classification.namespace === namespace && r.classification.name === name)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** The one pending review of an object, once the request has been parked. */
  function pendingReview(namespace: string, name: string): Promise<Review> {
    return eventually(
      async () => (await reviewsOf(namespace, name)).find((r) => r.state === 'pending'),
      `a pending review of ${namespace}/${name}`,
      20_000,
    );
  }

  /** A re-run has re-attached once Airlock logged the attach for that review. */
  function attached(reviewId: string): Promise<true> {
    return eventually(
      () => h.logs.some((l) => l.includes(`"review":"${reviewId}"`) && l.includes('"event":"attached"')),
      `a re-attach to ${reviewId}`,
      20_000,
    );
  }

  const person = (name: string, groups: string[] = []): Approver => ({
    id: name,
    name,
    identifiers: [name],
    groups,
    via: 'slack',
    verified: true,
  });

  /** The built `airlock` command against the harness's data directory: the terminal adapter, break-glass path. */

  describe('a reviewed delete with real kubectl', () => {
    it('waits, is approved from the terminal while kubectl waits, and deletes exactly once', async () => {
      h.fake.seed(deployment('prod', 'web'));
      h.fake.requests.length = 0;
      const run = h.kubectl(['delete', 'deployment', 'web', '-n', 'prod']);
      const review = await pendingReview('prod', 'web');
      expect(deletesOf(deploymentPath('prod', 'web'))).toEqual([]);

      const approved = await h.cli(['reviews', 'approve', review.id, '--as', 'alice', '--reason', 'planned']);
      expect(approved.stderr).toBe('');
      expect(approved.stdout).toContain(`Review ${review.id}: approved.`);

      const result = await run;
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('deployment.apps "web" deleted');
      const deletes = deletesOf(deploymentPath('prod', 'web'));
      expect(deletes).toHaveLength(1);
      // Pinned to the version the preview saw.
      expect(JSON.parse(deletes[0]!.body)).toMatchObject({
        preconditions: { resourceVersion: review.pin?.resourceVersion, uid: review.pin?.uid },
      });
      expect(liveDeployment('prod', 'web')).toBeUndefined();
      expect(await h.airlock.reviews.get(review.id)).toMatchObject({
        state: 'executed',
        outcome: { status: 200 },
        decisions: [{ approver: { name: 'alice', via: 'terminal' }, reason: 'planned' }],
      });
      const metrics = await (await fetch(`${h.airlock.internalUrl}/metrics`)).text();
      expect(metrics).toMatch(/airlock_review_seconds_count\{stage="executed"\} [1-9]/);
    }, 90_000);

    it('denied: kubectl prints the reviewer and the reason, and nothing is deleted', async () => {
      h.fake.seed(deployment('prod', 'api'));
      h.fake.requests.length = 0;
      const run = h.kubectl(['delete', 'deployment', 'api', '-n', 'prod']);
      const review = await pendingReview('prod', 'api');

      const denied = await h.cli([
        'reviews',
        'deny',
        review.id,
        '--as',
        'bob',
        '--reason',
        'Scale it to zero instead; the API has live traffic.',
      ]);
      expect(denied.stdout).toContain(`Review ${review.id}: denied.`);

      const result = await run;
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('Error from server (Forbidden)');
      expect(result.stderr).toContain('bob (terminal)');
      expect(result.stderr).toContain('Scale it to zero instead; the API has live traffic.');
      expect(deletesOf(deploymentPath('prod', 'api'))).toEqual([]);
      expect(liveDeployment('prod', 'api')).toBeDefined();

      // The session's history counts a person's denial as denied (not failed), and `status:denied` finds it.
      const event = await eventually(
        async () =>
          (await h.airlock.db('events').where({ review_id: review.id }).first('session_id', 'summary')) as
            { session_id: unknown; summary: unknown } | undefined,
        'the denied request recorded',
      );
      expect(JSON.parse(String(event.summary))).toMatchObject({
        review: { state: 'denied', by: 'bob', reason: 'Scale it to zero instead; the API has live traffic.' },
      });
      const session = await getSession(h.airlock.db, String(event.session_id));
      expect(session?.counts).toMatchObject({ denied: 1, failed: 0 });
      const deniedSessions = await querySessions(h.airlock.db, { status: 'denied', limit: 100, offset: 0 });
      expect(deniedSessions.sessions.map((s) => s.id)).toContain(session?.id);
    }, 90_000);
  });

  describe('holding, re-attaching and fingerprints', () => {
    it('refuses a reviewed request that repeats a query parameter, before any review: it would be ambiguous', async () => {
      h.fake.seed(deployment('prod', 'dup'));
      h.fake.requests.length = 0;
      const agent = await agentHttp(h, await h.mint(DEFAULT_AGENT));
      const answer = await agent.request({
        method: 'DELETE',
        path: `${deploymentPath('prod', 'dup')}?propagationPolicy=Orphan&propagationPolicy=Foreground`,
      });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({
        kind: 'Status',
        reason: 'BadRequest',
        message: expect.stringContaining('"propagationPolicy" is given more than once'),
      });
      expect(await reviewsOf('prod', 'dup')).toEqual([]);
      expect(deletesOf(deploymentPath('prod', 'dup'))).toEqual([]);
    });

    it('tells HTTP clients which review holds their request and where it stands (X-Airlock-Review headers)', async () => {
      h.fake.seed(deployment('staging', 'tagged'));
      const agent = await agentHttp(h, await h.mint(DEFAULT_AGENT));
      // The stated reason is shown to reviewers: a token pasted into it is masked like any text.
      const reason = `cleaning up after the incident (token ghp_${'Zz9'.repeat(12)} was in the logs)`;
      const del = () =>
        agent.request({
          method: 'DELETE',
          path: deploymentPath('staging', 'tagged'),
          headers: { 'x-airlock-reason': reason },
        });
      const waiting = await del();
      expect(waiting.status).toBe(504);
      const [review] = await reviewsOf('staging', 'tagged');
      expect(review!.reason).toBe(`cleaning up after the incident (token ${MASKED_TEXT} was in the logs)`);
      expect(waiting.headers['x-airlock-review']).toBe(review!.id);
      expect(waiting.headers['x-airlock-review-state']).toBe('waiting');

      const denied = del();
      await attached(review!.id);
      await h.airlock.reviews.decide(review!.id, person('carol'), { decision: 'deny', reason: 'keep it' });
      const answer = await denied;
      expect(answer.status).toBe(403);
      expect(answer.headers['x-airlock-review']).toBe(review!.id);
      expect(answer.headers['x-airlock-review-state']).toBe('denied');
      // An answer without a review carries neither header.
      const read = await agent.request({ path: deploymentPath('staging', 'tagged') });
      expect(read.headers['x-airlock-review']).toBeUndefined();
    });

    it('shows reviewers a token-shaped name masked everywhere; the review still holds the real object', async () => {
      // A Slack token is a valid object name: the path the agent typed is text like any other.
      const name = 'xoxb-1234567890-leaked-name';
      h.fake.seed(deployment('staging', name));
      const agent = await agentHttp(h, await h.mint(DEFAULT_AGENT));
      const waiting = await agent.request({ method: 'DELETE', path: deploymentPath('staging', name) });
      expect(waiting.status).toBe(504);
      const [review] = await reviewsOf('staging', name);
      expect(review!.redactedRequest.split('\n')[0]).toBe(`DELETE ${deploymentPath('staging', MASKED_TEXT)}`);
      expect(review!.redactedRequest).not.toContain(name);
      // What people see: the card (its What field, header, preview summary and diff, grant scopes), the deny
      // dialog, the owner's notice, and the inspect button's reply.
      const cluster = await loadTestCluster('default', join(h.dir, 'upstream.kubeconfig'));
      const inspected = await createInspector({ clusters: new Map([['default', cluster]]) })(review!);
      await cluster.close();
      expect(inspected).toMatch(/exists at resourceVersion/);
      const shown = JSON.stringify([
        reviewCard(review!),
        denyReasonModal(review!),
        fullDiffModal(review!),
        ownerNotice(review!),
        inspected,
      ]);
      expect(shown).toContain(`deployments.apps/${MASKED_TEXT}`);
      expect(shown).not.toContain('xoxb-');
      expect(review!.classification.name).toBe(name); // what the release and grants match on
    });

    it('after the hold kubectl prints the pending message; the re-run re-attaches, runs once; a third run is a new review', async () => {
      h.fake.seed(deployment('staging', 'worker'));
      h.fake.requests.length = 0;
      const args = ['delete', 'deployment', 'worker', '-n', 'staging'];

      const first = await h.kubectl(args);
      expect(first.code).not.toBe(0);
      const [review] = await reviewsOf('staging', 'worker');
      expect(review?.state).toBe('pending');
      expect(first.stderr).toContain(`review ${review!.id}`);
      expect(first.stderr).toContain('Run the same command again');
      expect(deletesOf(deploymentPath('staging', 'worker'))).toEqual([]);

      const rerun = h.kubectl(args);
      await attached(review!.id);
      expect(await reviewsOf('staging', 'worker')).toHaveLength(1);
      await h.airlock.reviews.decide(review!.id, person('carol'), { decision: 'approve' });
      const second = await rerun;
      expect(second.stderr).toBe('');
      expect(second.stdout).toContain('deployment.apps "worker" deleted');
      expect(deletesOf(deploymentPath('staging', 'worker'))).toHaveLength(1);
      expect(await h.airlock.reviews.get(review!.id)).toMatchObject({ state: 'executed' });

      h.fake.seed(deployment('staging', 'worker'));
      const third = await h.kubectl(args);
      expect(third.stderr).toContain('Run the same command again');
      const reviews = await reviewsOf('staging', 'worker');
      expect(reviews.map((r) => r.state)).toEqual(['executed', 'pending']);
      expect(third.stderr).toContain(`review ${reviews[1]!.id}`);
      expect(deletesOf(deploymentPath('staging', 'worker'))).toHaveLength(1);
      expect(liveDeployment('staging', 'worker')).toBeDefined();
    }, 60_000);

    it('a changed body is a new review; the identical one re-attaches to its own', async () => {
      h.fake.seed(deployment('staging', 'queue'));
      const scale = (replicas: number) =>
        h.kubectl([
          'patch',
          'deployment',
          'queue',
          '-n',
          'staging',
          '-p',
          `{"spec":{"replicas":${replicas}}}`,
        ]);

      const [toThree, toFour] = await Promise.all([scale(3), scale(4)]);
      expect(toThree.stderr).toContain('Run the same command again');
      expect(toFour.stderr).toContain('Run the same command again');
      const reviews = await reviewsOf('staging', 'queue');
      expect(reviews).toHaveLength(2);
      const [a, b] = reviews as [Review, Review];
      expect(a.fingerprint).not.toBe(b.fingerprint);
      const byBody = (replicas: number) =>
        reviews.find((r) => r.redactedRequest.includes(`"replicas": ${replicas}`));
      expect(byBody(3)).toBeDefined();
      expect(byBody(4)).toBeDefined();

      const again = await scale(3);
      expect(again.stderr).toContain(`review ${byBody(3)!.id}`);
      expect(await reviewsOf('staging', 'queue')).toHaveLength(2);
      expect(liveDeployment('staging', 'queue')?.spec).toMatchObject({ replicas: 1 });
    }, 60_000);
  });

  describe('who may approve', () => {
    it('two approvals need two distinct people; the same person twice counts once; the owner is refused', async () => {
      h.fake.seed(deployment('critical', 'ledger'));
      h.fake.requests.length = 0;
      const run = h.kubectl(['delete', 'deployment', 'ledger', '-n', 'critical']);
      const review = await pendingReview('critical', 'ledger');

      const byOwner = await h.cli(['reviews', 'approve', review.id, '--as', 'owner@example.com']);
      expect(byOwner.code).not.toBe(0);
      expect(byOwner.stderr).toContain('owner-self-approval');

      expect(
        await h.airlock.reviews.decide(review.id, person('alice'), { decision: 'approve' }),
      ).toMatchObject({
        ok: true,
        review: { state: 'pending' },
      });
      expect(
        await h.airlock.reviews.decide(
          review.id,
          { ...person('Alice'), via: 'terminal' },
          { decision: 'approve' },
        ),
      ).toMatchObject({ ok: false, refusal: { code: 'already-voted' } });
      expect(await h.airlock.reviews.get(review.id)).toMatchObject({ state: 'pending' });
      expect(deletesOf(deploymentPath('critical', 'ledger'))).toEqual([]);

      expect(await h.airlock.reviews.decide(review.id, person('bob'), { decision: 'approve' })).toMatchObject(
        {
          ok: true,
          review: { state: 'approved' },
        },
      );
      const result = await run;
      expect(result.stdout).toContain('deployment.apps "ledger" deleted');
      expect(deletesOf(deploymentPath('critical', 'ledger'))).toHaveLength(1);
      const done = await h.airlock.reviews.get(review.id);
      expect(done?.decisions.map((d) => d.approver.name)).toEqual(['alice', 'bob']);
    }, 90_000);
  });

  describe('an approved request whose answer is lost', () => {
    it('the upstream resets mid-request: failed, outcome unknown, with what the cluster shows now; never stuck executing', async () => {
      h.fake.seed(deployment('prod', 'reset'));
      h.fake.requests.length = 0;
      const path = deploymentPath('prod', 'reset');
      h.fake.addFault({
        match: (r) =>
          r.method === 'DELETE' && r.path === path && !r.query.has('dryRun') && !r.body.includes('dryRun'),
        respond: 'destroy',
        times: 1,
      });
      const run = h.kubectl(['delete', 'deployment', 'reset', '-n', 'prod']);
      const review = await pendingReview('prod', 'reset');
      await h.airlock.reviews.decide(review.id, person('alice'), { decision: 'approve' });

      const resolved = await eventually(async () => {
        const r = await h.airlock.reviews.get(review.id);
        return r?.state === 'failed' ? r : undefined;
      }, 'the review resolved');
      expect(resolved.outcome).toMatchObject({
        unknown: true,
        message: expect.stringMatching(
          /no answer from the cluster arrived.*Now: deployments "reset" exists at resourceVersion \d+ \(reviewed at \d+\)/,
        ),
      });
      expect(deletesOf(path)).toHaveLength(1);
      // kubectl retries the 503 on its own: the retry is a fresh review, not the resolved one.
      const fresh = await pendingReview('prod', 'reset');
      expect(fresh.id).not.toBe(review.id);
      await h.airlock.reviews.cancel(fresh.id, { kind: 'person', name: 'alice' });
      expect((await run).stderr).toContain('was cancelled');
      expect(deletesOf(path)).toHaveLength(1);
    }, 60_000);
  });

  describe('drift between preview and approval', () => {
    it('a delete of an object changed after the preview does not happen; the review is conflicted and the agent told why', async () => {
      h.fake.seed(deployment('prod', 'drifting'));
      h.fake.requests.length = 0;
      const run = h.kubectl(['delete', 'deployment', 'drifting', '-n', 'prod']);
      const review = await pendingReview('prod', 'drifting');
      expect(review.pin?.resourceVersion).toBeDefined();

      h.fake.seed(deployment('prod', 'drifting', 5));
      await h.airlock.reviews.decide(review.id, person('alice'), { decision: 'approve' });

      const result = await run;
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('Error from server (Conflict)');
      expect(result.stderr).toContain(review.id);
      expect(result.stderr).toMatch(/changed after it was reviewed/);
      expect(liveDeployment('prod', 'drifting')?.spec).toMatchObject({ replicas: 5 });
      expect(await h.airlock.reviews.get(review.id)).toMatchObject({ state: 'conflicted' });
    }, 90_000);

    it('a patch of an object changed after the preview does not apply; the review is conflicted', async () => {
      h.fake.seed(deployment('prod', 'moving'));
      const run = h.kubectl(['patch', 'deployment', 'moving', '-n', 'prod', '-p', '{"spec":{"replicas":2}}']);
      const review = await pendingReview('prod', 'moving');

      h.fake.seed(deployment('prod', 'moving', 7));
      await h.airlock.reviews.decide(review.id, person('alice'), { decision: 'approve' });

      const result = await run;
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('Error from server (Conflict)');
      expect(result.stderr).toContain(review.id);
      expect(liveDeployment('prod', 'moving')?.spec).toMatchObject({ replicas: 7 });
      expect(await h.airlock.reviews.get(review.id)).toMatchObject({ state: 'conflicted' });
    }, 90_000);
  });

  describe('races', () => {
    it('20 concurrent approve/deny calls from two engines on one review produce exactly one outcome', async () => {
      h.fake.seed(deployment('prod', 'contested'));
      h.fake.requests.length = 0;
      const run = h.kubectl(['delete', 'deployment', 'contested', '-n', 'prod']);
      const review = await pendingReview('prod', 'contested');
      // A second engine on its own connection, as a terminal or another replica would decide.
      const otherDb = await openDatabase(databaseUrl(h.config));
      const other = createReviewEngine(otherDb, { notify: () => undefined, now: () => new Date() });
      let results: DecideResult[];
      try {
        results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 === 0 ? h.airlock.reviews : other).decide(
              review.id,
              person(`oncall-${i}`, ['oncall']),
              i % 4 < 2 ? { decision: 'approve' } : { decision: 'deny', reason: `not now (${i})` },
            ),
          ),
        );
      } finally {
        await otherDb.destroy();
      }

      const winners = results.flatMap((r) => (r.ok ? [r.review] : []));
      expect(winners).toHaveLength(1);
      expect(results.flatMap((r) => (r.ok ? [] : [r.refusal.code]))).toEqual(
        Array<string>(19).fill('already-decided'),
      );
      const decided = await h.airlock.reviews.get(review.id);
      expect(decided?.decisions).toHaveLength(1);
      const winner = decided!.decisions[0]!;
      const result = await run;
      if (winner.decision === 'approve') {
        expect(result.stdout).toContain('deployment.apps "contested" deleted');
        expect(deletesOf(deploymentPath('prod', 'contested'))).toHaveLength(1);
        expect(decided?.state).toMatch(/^(approved|executing|executed)$/); // completion trails kubectl's answer
      } else {
        expect(result.stderr).toContain(winner.reason!);
        expect(deletesOf(deploymentPath('prod', 'contested'))).toEqual([]);
        expect(decided?.state).toBe('denied');
      }
    }, 90_000);

    it('a grant covers the reviewed object only, unless the approver widened it', async () => {
      for (const name of ['g-0', 'g-1']) h.fake.seed(configMap('prod', name));
      const first = h.kubectl(['label', 'configmap', 'g-0', '-n', 'prod', 'a=1']);
      const review = await pendingReview('prod', 'g-0');
      const approved = await h.cli(['reviews', 'approve', review.id, '--as', 'alice', '--for', '10m']);
      expect(approved.stdout).toContain('may patch configmaps "g-0" in prod on default (rule prod-changes)');
      expect((await first).stdout).toContain('configmap/g-0 labeled');
      // The same object again: under the grant.
      expect((await h.kubectl(['label', 'configmap', 'g-0', '-n', 'prod', 'b=2'])).stdout).toContain(
        'configmap/g-0 labeled',
      );
      expect(await reviewsOf('prod', 'g-0')).toHaveLength(1);
      // Another object: its own review.
      const other = h.kubectl(['label', 'configmap', 'g-1', '-n', 'prod', 'a=1']);
      const second = await pendingReview('prod', 'g-1');
      await h.airlock.reviews.cancel(second.id, { kind: 'person', name: 'alice' });
      expect((await other).stderr).toContain('was cancelled');
    }, 90_000);

    it('a widened grant used concurrently passes only the same rule, agent, verb, resource and namespace', async () => {
      for (const name of ['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'ledger-1'])
        h.fake.seed(configMap('prod', name));
      h.fake.seed(configMap('staging', 'cm-elsewhere'));
      h.fake.requests.length = 0;
      const first = h.kubectl(['delete', 'configmap', 'cm-0', '-n', 'prod']);
      const review = await pendingReview('prod', 'cm-0');
      const approved = await h.cli([
        'reviews',
        'approve',
        review.id,
        '--as',
        'alice',
        '--for',
        '10m',
        '--any-name',
      ]);
      const grantId = /Grant (gr-[0-9a-f]+)/.exec(approved.stdout)?.[1];
      expect(grantId, approved.stdout + approved.stderr).toBeDefined();
      expect((await first).stdout).toContain('configmap "cm-0" deleted');

      const other = { agent: 'other-agent', groups: ['agents'], owner: 'owner@example.com' };
      const [granted, elsewhere, otherVerb, otherAgent, otherRule] = await Promise.all([
        Promise.all(
          ['cm-1', 'cm-2', 'cm-3', 'cm-4'].map((n) => h.kubectl(['delete', 'configmap', n, '-n', 'prod'])),
        ),
        h.kubectl(['delete', 'configmap', 'cm-elsewhere', '-n', 'staging']),
        h.kubectl(['label', 'configmap', 'cm-5', '-n', 'prod', 'tier=gold']),
        h.kubectl(['delete', 'configmap', 'cm-5', '-n', 'prod'], { as: other }),
        h.kubectl(['delete', 'configmap', 'ledger-1', '-n', 'prod']),
        // The three prod requests outside the grant wait for 45 s; cancel them once parked.
        (async () => {
          for (const [name, target] of [
            ['cm-5', (r: Review) => r.classification.verb === 'patch'],
            ['cm-5', (r: Review) => r.agent.name === 'other-agent'],
            ['ledger-1', (r: Review) => r.rule === 'prod-ledger'],
          ] as const) {
            const parked = await eventually(
              async () => (await reviewsOf('prod', name)).find((r) => r.state === 'pending' && target(r)),
              'a parked request outside the grant',
              20_000,
            );
            await h.airlock.reviews.cancel(parked.id, { kind: 'person', name: 'alice' });
          }
        })(),
      ]);

      for (const [i, result] of granted.entries())
        expect(result.stdout).toContain(`configmap "cm-${i + 1}" deleted`);
      for (const name of ['cm-1', 'cm-2', 'cm-3', 'cm-4']) expect(await reviewsOf('prod', name)).toEqual([]);
      // Each pass under the grant is recorded with the grant's id.
      await eventually(
        async () =>
          // Postgres counts as a string.
          Number(
            (
              await h.airlock
                .db('events')
                .where({ grant_id: grantId!, verb: 'delete', namespace: 'prod' })
                .count({ n: '*' })
            )[0]?.n,
          ) === 4,
        'four recorded deletes under the grant',
      );

      expect(elsewhere.stderr).toContain('Run the same command again');
      expect(await reviewsOf('staging', 'cm-elsewhere')).toHaveLength(1);
      expect(otherVerb.stderr).toContain('was cancelled');
      expect(otherAgent.stderr).toContain('was cancelled');
      expect(otherRule.stderr).toContain('was cancelled');
      expect(deletesOf('/api/v1/namespaces/prod/configmaps/ledger-1')).toEqual([]);
      const untouched = h.fake.getObject({
        group: '',
        version: 'v1',
        resource: 'configmaps',
        namespace: 'prod',
        name: 'cm-5',
      });
      expect(untouched?.metadata.labels).toBeUndefined();
    }, 120_000);
  });

  describe('expiry', () => {
    it('an expired review never runs; the re-run makes a new review', async () => {
      h.fake.seed(deployment('scratch', 'temp'));
      h.fake.requests.length = 0;
      const args = ['delete', 'deployment', 'temp', '-n', 'scratch'];
      const first = await h.kubectl(args);
      expect(first.stderr).toContain('Run the same command again');
      const [review] = await reviewsOf('scratch', 'temp');

      await eventually(
        async () => (await h.airlock.reviews.get(review!.id))?.state === 'expired',
        'the review to expire',
        15_000,
      );
      expect(
        await h.airlock.reviews.decide(review!.id, person('alice'), { decision: 'approve' }),
      ).toMatchObject({
        ok: false,
        refusal: { code: 'already-decided' },
      });

      const again = await h.kubectl(args);
      const reviews = await reviewsOf('scratch', 'temp');
      expect(reviews.map((r) => r.state)).toEqual(['expired', 'pending']);
      expect(again.stderr).toContain(`review ${reviews[1]!.id}`);
      expect(deletesOf(deploymentPath('scratch', 'temp'))).toEqual([]);
      expect(liveDeployment('scratch', 'temp')).toBeDefined();
    }, 60_000);
  });

  describe('exec under review', () => {
    it('is held before any upgrade, then upgraded on approval and kubectl prints the output', async () => {
      h.fake.seed({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'shell', namespace: 'default' },
        spec: { containers: [{ name: 'app', image: 'busybox' }] },
      });
      h.fake.requests.length = 0;
      // A token in the command: reviewers see it masked, the cluster gets the command as the agent sent it.
      const token = `ghp_${'Ab1'.repeat(12)}`;
      const run = h.kubectl(['exec', 'shell', '--', 'echo', 'hi', token]);
      const review = await pendingReview('default', 'shell');
      expect(review.classification).toMatchObject({ resource: 'pods', subresource: 'exec' });
      expect(review.redactedRequest).not.toContain(token);
      expect(review.redactedRequest).toContain(`command=hi&command=${MASKED_TEXT}`);
      const execs = () =>
        h.fake.requests.filter((r) => r.path === '/api/v1/namespaces/default/pods/shell/exec');
      expect(execs()).toEqual([]);

      await h.airlock.reviews.decide(review.id, person('bob'), { decision: 'approve' });
      const result = await run;
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(`hi ${token}\n`);
      expect(execs()).toHaveLength(1);
      expect(execs()[0]!.query.getAll('command')).toEqual(['echo', 'hi', token]);
      // The review completes when the upgraded session closes, just after kubectl has its output.
      const done = await eventually(async () => {
        const current = await h.airlock.reviews.get(review.id);
        return current?.outcome && current;
      }, 'the exec review to complete');
      expect(done).toMatchObject({ state: 'executed', outcome: { status: 101 } });
    }, 90_000);
  });
});
