/** Agents preview for themselves: `kubectl diff` and `--dry-run=server` pass through Airlock without a review. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/airlock-harness.js';

let harness: Harness;

const manifest = (image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: prod }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: "${image}" }] }
`;

beforeAll(async () => {
  harness = await startHarness();
  harness.fake.seed({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'prod' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'app:1.4' }] },
      },
    },
  });
});

afterAll(async () => {
  await harness.close();
});

const liveDeployment = () =>
  harness.fake.getObject({
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    namespace: 'prod',
    name: 'web',
  });

describe('self-previews through Airlock', () => {
  it('kubectl diff shows the change in a reviewed namespace, creates no review and changes nothing', async () => {
    harness.fake.requests.length = 0;
    const result = await harness.kubectl(['diff', '-f', '-'], { input: manifest('app:1.5') });
    // kubectl diff exits 1 when there are differences, >1 on errors.
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^-\s+- image: app:1\.4$/m);
    expect(result.stdout).toMatch(/^\+\s+- image: app:1\.5$/m);
    expect(await harness.airlock.reviews.list()).toEqual([]);
    const patches = harness.fake.requests.filter((r) => r.method === 'PATCH');
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.every((r) => r.query.getAll('dryRun').join() === 'All')).toBe(true);
    expect(liveDeployment()?.spec).toMatchObject({
      template: { spec: { containers: [{ image: 'app:1.4' }] } },
    });
  });

  it('a server-side dry-run delete (dryRun in the DELETE body) is not reviewed and deletes nothing', async () => {
    const result = await harness.kubectl(['delete', 'deployment', 'web', '-n', 'prod', '--dry-run=server']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('deployment.apps "web" deleted (server dry run)');
    expect(await harness.airlock.reviews.list()).toEqual([]);
    expect(liveDeployment()).toBeDefined();
  });
});
