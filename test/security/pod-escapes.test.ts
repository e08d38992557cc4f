/**
 * The built-in policy reviews pods that could take an agent out of Airlock's view: privileged, on the node's
 * namespaces or filesystem, or holding a Secret they could print (issue: all of these passed unreviewed). Real
 * kubectl against the gateway with the default policy (its hold shortened so a parked request answers quickly).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_YAML } from '../../src/policy/default-policy.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';

const POLICY = DEFAULT_POLICY_YAML.replace('hold: 50s', 'hold: 1s');

const HOST_PATH_POD = `apiVersion: v1
kind: Pod
metadata: { name: host-reader, namespace: default }
spec:
  containers: [{ name: c, image: busybox, volumeMounts: [{ name: root, mountPath: /host }] }]
  volumes: [{ name: root, hostPath: { path: / } }]
`;

describe('the default policy reviews pod escapes', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY });
    expect(POLICY).not.toBe(DEFAULT_POLICY_YAML);
  });
  afterAll(() => h.close());

  /** The request was parked for review by `rule`, and nothing but dry runs reached the cluster. */
  async function expectReviewed(args: string[], input?: string): Promise<void> {
    const writesBefore = realWrites();
    const res = await h.kubectl(args, input === undefined ? {} : { input });
    expect(res.code, res.stderr).not.toBe(0);
    expect(res.stderr).toContain('is waiting for human approval');
    const [review] = await h.airlock.db('reviews').select('rule').orderBy('created_at', 'desc').limit(1);
    expect(review).toEqual({ rule: 'review-pod-escapes' });
    expect(realWrites()).toBe(writesBefore);
  }

  const realWrites = () =>
    h.fake.requests.filter((r) => r.method !== 'GET' && !r.query.getAll('dryRun').includes('All')).length;

  it('allows an ordinary pod', async () => {
    const res = await h.kubectl(['run', 'plain', '--image=busybox']);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('pod/plain created');
  });

  it('reviews kubectl run --privileged', async () => {
    await expectReviewed(['run', 'root-shell', '--image=busybox', '--privileged']);
  });

  it('reviews a pod mounting the node’s root', async () => {
    await expectReviewed(['apply', '-f', '-'], HOST_PATH_POD);
  });

  it('reviews a JSON patch that puts a workload’s pods in the host PID namespace', async () => {
    h.fake.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
        },
      },
    });
    await expectReviewed([
      'patch',
      'deployment',
      'web',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/spec/template/spec/hostPID","value":true}]',
    ]);
  });

  it('reviews a strategic-merge patch that mounts a Secret into a workload', async () => {
    await expectReviewed([
      'patch',
      'deployment',
      'web',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","envFrom":[{"secretRef":{"name":"db"}}]}]}}}}',
    ]);
  });
});
