/**
 * The commands agents type most, each run twice: directly against one fake API server and through Airlock (an
 * allow-everything policy, masking on) against a second fake seeded the same way. Both fakes see the same commands in
 * the same order, so they hold the same objects; each command must end with the same exit code and print the same
 * output, up to what differs between two servers (ages, uids, timestamps, the server URL) and masked secret values.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import {
  LOG_ANNOTATION,
  startFakeApiServer,
  type FakeApiServer,
  type KubeObject,
} from '../support/fake-apiserver/index.js';
import { eventually } from '../support/eventually.js';
import {
  directKubectl,
  portForwardEcho,
  type DirectKubectl,
  type KubectlResult,
} from '../support/kubectl.js';
import { ALLOW_ALL_POLICY, CANARY, expectNoCanary } from '../security/support.js';

interface Case {
  args: string[];
  /** Standard input, e.g. a manifest for `apply -f -`. */
  input?: string;
  /** The exit code both runs must end with; 0 unless the command reports differences or a refusal. */
  code?: number;
}

const labels = { app: 'web' };
const SEED: KubeObject[] = [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'tools',
      namespace: 'default',
      labels: { app: 'tools' },
      annotations: { [LOG_ANNOTATION]: 'starting\nready to serve\nrequest handled' },
    },
    spec: { containers: [{ name: 'shell', image: 'busybox' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default', labels },
    data: { mode: 'production', replicas: '2' },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'default' },
    type: 'Opaque',
    data: { password: Buffer.from(CANARY).toString('base64') },
  },
];

const manifest = (data: Record<string, string>) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'applied', namespace: 'default' },
    data,
  });

/** In order: later commands see what earlier ones did, on both servers alike. */
const CASES: Case[] = [
  // Discovery and reads
  { args: ['api-resources'] },
  { args: ['api-versions'] },
  { args: ['get', 'ns'] },
  { args: ['get', 'pods'] },
  { args: ['get', 'pods', '-o', 'wide'] },
  { args: ['get', 'pods', '-A', '-l', 'app=web'] },
  { args: ['get', 'all'] },
  { args: ['get', 'deploy', 'web', '-o', 'yaml'] },
  { args: ['get', 'cm', 'settings', '-o', 'json'] },
  { args: ['get', 'cm', '-o', 'name'] },
  { args: ['get', 'cm', 'settings', '-o', 'jsonpath={.data.mode}'] },
  { args: ['get', 'secret', 'db', '-o', 'yaml'] },
  { args: ['get', 'secret', 'db', '-o', 'json'] },
  { args: ['get', 'pods', '-l', 'app in (web, tools)', '-o', 'name'] },
  { args: ['describe', 'deployment', 'web'] },
  { args: ['describe', 'pod', 'tools'] },
  { args: ['describe', 'secret', 'db'] },
  { args: ['logs', 'tools'] },
  { args: ['logs', 'tools', '--tail=1'] },
  { args: ['get', 'events'] },
  { args: ['events'] },
  { args: ['explain', 'deployment.spec.replicas'] },
  { args: ['auth', 'can-i', 'delete', 'deployments'] },
  { args: ['auth', 'whoami'] },
  { args: ['get', 'pods', 'missing'], code: 1 },
  // Generators (protobuf bodies)
  { args: ['create', 'namespace', 'team-a'] },
  { args: ['create', 'deployment', 'api', '--image=nginx:1.27', '--replicas=1'] },
  { args: ['create', 'configmap', 'flags', '--from-literal=beta=on'] },
  { args: ['create', 'secret', 'generic', 'api-key', '--from-literal=key=s3cr3t-value'] },
  { args: ['create', 'serviceaccount', 'deployer'] },
  { args: ['create', 'role', 'reader', '--verb=get,list', '--resource=pods'] },
  { args: ['create', 'rolebinding', 'deployer-reads', '--role=reader', '--serviceaccount=default:deployer'] },
  { args: ['create', 'job', 'once', '--image=busybox', '--', 'echo', 'done'] },
  { args: ['create', 'service', 'clusterip', 'api-svc', '--tcp=80:8080'] },
  { args: ['expose', 'deployment', 'web', '--port=80', '--target-port=8080'] },
  // Changes
  { args: ['scale', 'deployment', 'web', '--replicas=3'] },
  { args: ['set', 'image', 'deployment/web', 'nginx=nginx:1.28'] },
  { args: ['rollout', 'status', 'deployment/web', '--timeout=20s'] },
  { args: ['rollout', 'history', 'deployment/web'] },
  { args: ['rollout', 'undo', 'deployment/web'] },
  { args: ['rollout', 'restart', 'deployment/web'] },
  { args: ['label', 'pod', 'tools', 'tier=debug'] },
  { args: ['annotate', 'deployment', 'web', 'owner=team-a'] },
  { args: ['patch', 'cm', 'settings', '--type=merge', '-p', '{"data":{"mode":"canary"}}'] },
  {
    args: ['patch', 'cm', 'settings', '--type=json', '-p', '[{"op":"add","path":"/data/extra","value":"1"}]'],
  },
  { args: ['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"metadata":{"labels":{"rev":"2"}}}}}'] },
  { args: ['apply', '-f', '-'], input: manifest({ a: '1' }) },
  { args: ['diff', '-f', '-'], input: manifest({ a: '2' }), code: 1 },
  { args: ['apply', '-f', '-'], input: manifest({ a: '2' }) },
  { args: ['apply', '--server-side', '-f', '-'], input: manifest({ a: '3' }) },
  { args: ['run', 'probe', '--image=busybox', '--restart=Never', '--', 'true'] },
  // Copies go through exec (tar in the container); LOCAL is a directory of each side's own.
  { args: ['cp', 'LOCAL/notes.txt', 'tools:/tmp/notes.txt'] },
  { args: ['cp', 'tools:/tmp/notes.txt', 'LOCAL/notes-back.txt'] },
  { args: ['cp', 'tools:/tmp/missing.txt', 'LOCAL/missing.txt'], code: 2 },
  { args: ['exec', 'tools', '--', 'cat', '/tmp/notes.txt'] },
  { args: ['wait', '--for=condition=Available', 'deployment/web', '--timeout=20s'] },
  { args: ['delete', 'cm', 'flags'] },
  { args: ['delete', 'pod', 'probe', '--wait=true', '--timeout=20s'] },
  { args: ['wait', '--for=delete', 'pod/probe', '--timeout=5s'] },
  { args: ['get', 'cm'] },
];

/** What legitimately differs between two servers answering the same commands. */
function normalise(text: string): string {
  return text
    .replace(/https:\/\/127\.0\.0\.1:\d+(\/clusters\/default)?/g, '<server>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uid>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '<time>')
    .replace(/\b\d{1,2}:\d\d:\d\d [+-]\d{4}\b|\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}/g, '<time>')
    .replace(/\b(\d+m)?\d+(\.\d+)?(s|ms)\b|\b\d+[mhd](\d+[smh])?\b/g, '<age>')
    .replace(/\/tmp\/(LIVE|MERGED)-\d+/g, '/tmp/$1')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \+0000/g, '<time>')
    .replace(/\b([a-z0-9-]+-[a-z0-9]{9,10})-[a-z0-9]{5}\b/g, '$1-<random>') // pods a ReplicaSet named
    .replace(/\b10\.244\.\d+\.\d+\b/g, '<pod-ip>')
    .replace(/ +/g, ' ');
}

/** Masked Secret values: the placeholder through Airlock, the value directly; compared by position only. */
function unmasked(text: string): string {
  return text
    .replace(/(password|key): [A-Za-z0-9+/=]+/g, '$1: <secret>')
    .replace(/"(password|key)": "[A-Za-z0-9+/=]+"/g, '"$1": "<secret>"')
    .replace(/(password|key):\s+\d+ bytes/g, '$1: <n> bytes');
}

describe('the kubectl matrix: directly and through Airlock', () => {
  let direct: FakeApiServer;
  let h: Harness;
  let dir: string;
  let viaFake: DirectKubectl;

  beforeAll(async () => {
    direct = await startFakeApiServer();
    const behindAirlock = await startFakeApiServer();
    for (const object of SEED) {
      direct.seed(structuredClone(object));
      behindAirlock.seed(structuredClone(object));
    }
    h = await startHarness({ policy: ALLOW_ALL_POLICY, fake: behindAirlock });
    dir = await mkdtemp(join(tmpdir(), 'kubectl-matrix-'));
    viaFake = await directKubectl(direct, dir);
  });
  afterAll(async () => {
    await h.close();
    await h.fake.close();
    await direct.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('every command ends and prints alike', async () => {
    const mismatches: string[] = [];
    const local = { direct: join(dir, 'direct-files'), airlock: join(dir, 'airlock-files') };
    for (const side of Object.values(local)) {
      await mkdir(side);
      await writeFile(join(side, 'notes.txt'), 'copied in and out\n');
    }
    const at = (args: string[], side: string) => args.map((a) => a.replace('LOCAL', side));
    for (const c of CASES) {
      const opts = c.input === undefined ? {} : { input: c.input };
      const plain = await viaFake(at(c.args, local.direct), opts);
      const airlock = await h.kubectl(at(c.args, local.airlock), opts);
      const command = `kubectl ${c.args.join(' ')}`;
      expectNoCanary(airlock.stdout + airlock.stderr, command);
      if (plain.code !== (c.code ?? 0))
        mismatches.push(`${command}: directly exit ${plain.code}: ${plain.stderr}`);
      if (airlock.code !== plain.code)
        mismatches.push(
          `${command}: exit ${airlock.code} through Airlock, ${plain.code} directly: ${airlock.stderr}`,
        );
      for (const stream of ['stdout', 'stderr'] as const) {
        const [want, got] = [plain[stream], airlock[stream]].map((t) => unmasked(normalise(t)));
        if (want !== got)
          mismatches.push(`${command} (${stream}):\n--- directly\n${want}\n--- through Airlock\n${got}`);
      }
    }
    expect(mismatches, `${mismatches.length} of ${CASES.length} commands differ`).toEqual([]);
    for (const side of Object.values(local)) {
      expect(await readFile(join(side, 'notes-back.txt'), 'utf8')).toBe('copied in and out\n');
    }
  });

  it('port-forward carries bytes both ways, directly and through Airlock', async () => {
    const args = ['port-forward', 'pod/tools', ':80'];
    expect(await portForwardEcho(viaFake.spawn(args), 'ping directly\n')).toBe('ping directly\n');
    expect(await portForwardEcho(await h.spawnKubectl(args), 'ping via Airlock\n')).toBe(
      'ping via Airlock\n',
    );
  });
});

/** Exec (and so `kubectl cp`) waits for a human; approved from the terminal, the copy completes. */
const REVIEW_EXEC_POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
defaults:
  review: { approvers: { users: [alice] } }
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
  - name: exec-under-review
    match: { resources: [pods/exec, pods/attach, pods/portforward] }
    action: review
    review: { hold: 45s, maxGrant: 0s }
  - name: everything-else
    match: {}
    action: allow
`;

describe('kubectl cp and port-forward under a review policy', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ policy: REVIEW_EXEC_POLICY });
    await writeFile(join(h.dir, 'airlock.yaml'), 'people:\n  - { id: alice, groups: [] }\n');
    h.fake.seed(structuredClone(SEED[1]!));
  });
  afterAll(() => h.close());

  async function approveFromTerminal(id: string, reason: string): Promise<void> {
    const cli = await h.cli(['reviews', 'approve', id, '--as', 'alice', '--reason', reason]);
    expect(cli.stdout + cli.stderr).toContain(`Review ${id}: approved.`);
  }

  /**
   * Runs kubectl and approves, from the terminal, each review its execs park until it ends; returns how kubectl
   * ended and the request lines that were approved (`kubectl cp` runs `test -d DEST`, then `tar`).
   */
  async function approvedRun(args: string[]): Promise<KubectlResult & { approved: string[] }> {
    const decided = new Set((await h.airlock.reviews.list({ limit: 1000 })).map((r) => r.id));
    let result: KubectlResult | undefined;
    const running = h.kubectl(args).then((r) => (result = r));
    const approved: string[] = [];
    while (!result) {
      const review = (await h.airlock.reviews.list({ limit: 1000 })).find(
        (r) => !decided.has(r.id) && r.state === 'pending',
      );
      if (!review) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      decided.add(review.id);
      expect(review.classification).toMatchObject({ resource: 'pods', subresource: 'exec', name: 'tools' });
      await approveFromTerminal(review.id, 'copy the notes');
      approved.push(decodeURIComponent(review.redactedRequest.split('\n')[0] ?? ''));
    }
    return { ...(await running), approved };
  }

  it('copies in and out once approved', async () => {
    await writeFile(join(h.dir, 'notes.txt'), 'reviewed copy\n');
    const copyIn = await approvedRun(['cp', join(h.dir, 'notes.txt'), 'tools:/tmp/notes.txt']);
    expect(copyIn.code, copyIn.stderr).toBe(0);
    expect(copyIn.approved.at(-1)).toContain('command=tar&command=-xmf&command=-&command=-C&command=/tmp');
    const copyOut = await approvedRun(['cp', 'tools:/tmp/notes.txt', join(h.dir, 'back.txt')]);
    expect(copyOut.code, copyOut.stderr).toBe(0);
    expect(copyOut.approved).toEqual([
      expect.stringContaining('command=tar&command=cf&command=-&command=/tmp/notes.txt'),
    ]);
    expect(await readFile(join(h.dir, 'back.txt'), 'utf8')).toBe('reviewed copy\n');
  });

  it('port-forwards once approved', async () => {
    const known = new Set((await h.airlock.reviews.list({ limit: 1000 })).map((r) => r.id));
    const forwarded = portForwardEcho(
      await h.spawnKubectl(['port-forward', 'pod/tools', ':80']),
      'reviewed ping\n',
    );
    const review = await eventually(
      async () =>
        (await h.airlock.reviews.list({ limit: 1000 })).find(
          (r) => !known.has(r.id) && r.state === 'pending',
        ),
      'the port-forward review',
      20_000,
    );
    expect(review.classification).toMatchObject({
      resource: 'pods',
      subresource: 'portforward',
      name: 'tools',
    });
    expect(h.fake.requests.filter((r) => r.path.endsWith('/portforward'))).toEqual([]);
    await approveFromTerminal(review.id, 'debug the service');
    expect(await forwarded).toBe('reviewed ping\n');
  });
});
