/**
 * kubectl's generators (`create <kind>`, `expose`, `create token`, `auth can-i`, `auth whoami`) send protobuf bodies.
 * Directly against the fake, each body must decode to exactly kubectl's own JSON of the same object
 * (`--dry-run=client -o json`, Go's encoding of the struct kubectl serialised), and the object the fake stored must
 * equal it up to what the server sets: that proves the fake's decoder. Through Airlock,
 * the same commands work, a policy that depends on the body decides the protobuf form exactly as the JSON form, and a
 * secret sent as protobuf never reaches the recording.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverCertificate } from '../support/fake-apiserver/certs.js';
import { decodeObjectBody } from '../support/fake-apiserver/content.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { directKubectl, type DirectKubectl, type KubectlResult } from '../support/kubectl.js';
import { ALLOW_ALL_POLICY, CANARY, expectNoCanary, expectNoCanaryStored } from '../security/support.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

interface Generator {
  /** The command, without output flags; `--` starts the container command where there is one. */
  create: string[];
  /** The `kubectl get` arguments that read back what was stored. */
  get: string[];
  /** Paths the API server sets or defaults (beyond metadata bookkeeping and status), dropped before comparing. */
  serverSets?: string[];
  /** kubectl 1.32 sends this one as JSON (`expose` does), not protobuf. */
  json?: true;
}

const SERVICE_DEFAULTS = ['spec.clusterIP', 'spec.clusterIPs', 'spec.sessionAffinity'];

/** In creation order: later ones refer to earlier ones (bindings to roles, a job from a cronjob, expose). */
const GENERATORS = (files: GeneratorFiles): Generator[] => [
  { create: ['create', 'namespace', 'g-ns'], get: ['ns', 'g-ns'], serverSets: ['metadata.labels', 'spec'] },
  {
    create: [
      'create',
      'configmap',
      'g-cm',
      '--from-literal=a=1',
      '--from-literal=b=',
      `--from-file=${files.binary}`,
    ],
    get: ['cm', 'g-cm'],
  },
  {
    create: ['create', 'secret', 'generic', 'g-generic', '--from-literal=password=s3cret', '--type=Opaque'],
    get: ['secret', 'g-generic'],
  },
  {
    create: ['create', 'secret', 'tls', 'g-tls', `--cert=${files.cert}`, `--key=${files.key}`],
    get: ['secret', 'g-tls'],
  },
  {
    create: [
      'create',
      'secret',
      'docker-registry',
      'g-docker',
      '--docker-server=r.example',
      '--docker-username=u',
      '--docker-password=p',
    ],
    get: ['secret', 'g-docker'],
  },
  { create: ['create', 'serviceaccount', 'g-sa'], get: ['sa', 'g-sa'] },
  {
    create: ['create', 'role', 'g-role', '--verb=get,list', '--resource=pods,configmaps'],
    get: ['role', 'g-role'],
  },
  {
    create: [
      'create',
      'rolebinding',
      'g-rb',
      '--role=g-role',
      '--serviceaccount=default:g-sa',
      '--user=alice',
    ],
    get: ['rolebinding', 'g-rb'],
  },
  {
    create: ['create', 'clusterrole', 'g-cr', '--verb=get', '--resource=pods', '--resource-name=web'],
    get: ['clusterrole', 'g-cr'],
  },
  {
    create: ['create', 'clusterrole', 'g-agg', '--aggregation-rule=team=web'],
    get: ['clusterrole', 'g-agg'],
  },
  {
    create: ['create', 'clusterrolebinding', 'g-crb', '--clusterrole=g-cr', '--group=devs'],
    get: ['clusterrolebinding', 'g-crb'],
  },
  {
    create: ['create', 'deployment', 'g-dep', '--image=nginx:1.27', '--replicas=0', '--port=80'],
    get: ['deploy', 'g-dep'],
    serverSets: ['metadata.generation'],
  },
  { create: ['create', 'job', 'g-job', '--image=busybox', '--', 'echo', 'hi'], get: ['job', 'g-job'] },
  {
    create: ['create', 'cronjob', 'g-cron', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'],
    get: ['cronjob', 'g-cron'],
  },
  { create: ['create', 'job', 'g-from-cron', '--from=cronjob/g-cron'], get: ['job', 'g-from-cron'] },
  {
    create: ['create', 'service', 'clusterip', 'g-svc', '--tcp=80:8080'],
    get: ['svc', 'g-svc'],
    serverSets: SERVICE_DEFAULTS,
  },
  {
    create: ['create', 'service', 'nodeport', 'g-np', '--tcp=80:8080', '--node-port=30080'],
    get: ['svc', 'g-np'],
    serverSets: SERVICE_DEFAULTS,
  },
  {
    create: ['create', 'service', 'loadbalancer', 'g-lb', '--tcp=443:8443'],
    get: ['svc', 'g-lb'],
    serverSets: SERVICE_DEFAULTS,
  },
  {
    create: ['create', 'service', 'externalname', 'g-ext', '--external-name=db.example.com'],
    get: ['svc', 'g-ext'],
    serverSets: [...SERVICE_DEFAULTS, 'spec.ports'],
  },
  {
    create: ['expose', 'deployment', 'g-dep', '--port=80', '--target-port=8080', '--name=g-exposed'],
    get: ['svc', 'g-exposed'],
    serverSets: [...SERVICE_DEFAULTS, 'spec.type'],
    json: true,
  },
  { create: ['create', 'quota', 'g-quota', '--hard=pods=10,cpu=2,memory=1Gi'], get: ['quota', 'g-quota'] },
  {
    create: [
      'create',
      'priorityclass',
      'g-pc',
      '--value=1000',
      '--description=batch work',
      '--preemption-policy=Never',
    ],
    get: ['priorityclass', 'g-pc'],
  },
  {
    create: ['create', 'poddisruptionbudget', 'g-pdb', '--selector=app=web', '--min-available=50%'],
    get: ['pdb', 'g-pdb'],
  },
  {
    create: ['create', 'ingress', 'g-ing', '--rule=a.example.com/api*=svc:80,tls=g-tls', '--class=nginx'],
    get: ['ingress', 'g-ing'],
  },
];

type GeneratorFiles = { cert: string; key: string; binary: string };

/** The files generators read, written into `dir`: a TLS pair (a generated certificate) and a file that is not UTF-8. */
async function writeGeneratorFiles(dir: string): Promise<GeneratorFiles> {
  const { certPem, keyPem } = await serverCertificate();
  const files = { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), binary: join(dir, 'blob.bin') };
  await writeFile(files.cert, certPem);
  await writeFile(files.key, keyPem);
  await writeFile(files.binary, Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a]));
  return files;
}

/** `args` with output flags placed before a container command, where kubectl still reads flags. */
function withFlags(args: readonly string[], flags: readonly string[]): string[] {
  const end = args.indexOf('--');
  return end < 0 ? [...args, ...flags] : [...args.slice(0, end), ...flags, ...args.slice(end)];
}

function dropPath(object: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let at: unknown = object;
  for (const key of keys) at = (at as Record<string, unknown> | undefined)?.[key];
  if (at && typeof at === 'object') delete (at as Record<string, unknown>)[last];
}

const BOOKKEEPING = [
  'metadata.creationTimestamp',
  'metadata.uid',
  'metadata.resourceVersion',
  'metadata.managedFields',
];

/** What must be equal: the object without server bookkeeping, status and the case's server-set paths. */
function comparable(object: Record<string, unknown>, serverSets: readonly string[]): Record<string, unknown> {
  const copy = withoutNulls(object) as Record<string, unknown>;
  for (const path of [...BOOKKEEPING, 'status', ...serverSets]) dropPath(copy, path);
  return copy;
}

/** Go writes a nil slice or pointer as `null` or leaves it out, depending on `omitempty`: both mean absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

function parseJson(run: KubectlResult, what: string): Record<string, unknown> {
  expect(run.code, `${what}: ${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('kubectl generators against the fake API server, directly', () => {
  let fake: FakeApiServer;
  let dir: string;
  let kubectl: DirectKubectl;
  let files: GeneratorFiles;

  beforeAll(async () => {
    fake = await startFakeApiServer();
    dir = await mkdtemp(join(tmpdir(), 'kubectl-generators-'));
    kubectl = await directKubectl(fake, dir);
    files = await writeGeneratorFiles(dir);
  });
  afterAll(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores what kubectl meant: each protobuf body decodes to kubectl’s own JSON of the object', async () => {
    for (const generator of GENERATORS(files)) {
      const what = generator.create.join(' ');
      const intended = parseJson(
        await kubectl(withFlags(generator.create, ['--dry-run=client', '-o', 'json'])),
        what,
      );
      const sentBefore = fake.requests.length;
      const created = await kubectl(generator.create);
      expect(created.code, `${what}: ${created.stderr}`).toBe(0);
      const post = fake.requests.slice(sentBefore).find((r) => r.method === 'POST');
      expect(post?.headers['content-type']?.[0], what).toBe(generator.json ? 'application/json' : PROTOBUF);
      // Exactly kubectl's JSON, nulls and zero values included: what kube-apiserver decodes from these bytes.
      expect(decodeObjectBody(post!.body, post!.headers['content-type']?.[0]), what).toEqual(intended);
      const stored = parseJson(await kubectl(['get', ...generator.get, '-o', 'json']), `get ${what}`);
      const serverSets = [
        ...(generator.serverSets ?? []),
        ...(intended.metadata && !(intended.metadata as Record<string, unknown>).namespace
          ? ['metadata.namespace']
          : []),
      ];
      expect(comparable(stored, serverSets), what).toEqual(comparable(intended, serverSets));
    }
  });

  it('answers the protobuf reviews of `create token`, `auth can-i` and `auth whoami`', async () => {
    await kubectl(['create', 'serviceaccount', 'token-sa']);
    const token = await kubectl(['create', 'token', 'token-sa', '--duration=10m']);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim()).toMatch(/^\S+$/);
    const canI = await kubectl(['auth', 'can-i', 'delete', 'deployments', '-n', 'default']);
    expect(canI.stdout.trim()).toBe('yes');
    const whoami = await kubectl(['auth', 'whoami', '-o', 'json']);
    expect(parseJson(whoami, 'whoami')).toMatchObject({
      kind: 'SelfSubjectReview',
      status: { userInfo: { username: 'fake-admin' } },
    });
    const reviews = fake.requests.filter((r) => /selfsubject(access)?reviews|\/token$/.test(r.path));
    expect(reviews.map((r) => r.headers['content-type']?.[0])).toEqual([PROTOBUF, PROTOBUF, PROTOBUF]);
    // No dry run for these: the bodies written out as Go's JSON of what kubectl sends.
    const created = { creationTimestamp: null };
    expect(reviews.map((r) => decodeObjectBody(r.body, PROTOBUF))).toEqual([
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: created,
        spec: { audiences: null, expirationSeconds: 600, boundObjectRef: null },
        status: { token: '', expirationTimestamp: null },
      },
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        metadata: created,
        spec: {
          resourceAttributes: {
            namespace: 'default',
            verb: 'delete',
            group: 'apps',
            resource: 'deployments',
          },
        },
        status: { allowed: false },
      },
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
        metadata: created,
        status: { userInfo: {} },
      },
    ]);
  });
});

/** Denies pods that mount the node's file system: a decision that depends on the body. */
const POLICY = ALLOW_ALL_POLICY.replace(
  'rules:\n',
  "rules:\n  - name: no-host-path\n    match: { podSpec: [hostPath] }\n    action: deny\n    message: pods must not mount the node's file system\n",
);

const HOST_PATH_CRONJOB = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'node-reader', namespace: 'default' },
  spec: {
    schedule: '@hourly',
    jobTemplate: {
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              { name: 'c', image: 'busybox', volumeMounts: [{ name: 'root', mountPath: '/host' }] },
            ],
            volumes: [{ name: 'root', hostPath: { path: '/' } }],
          },
        },
      },
    },
  },
};

describe('kubectl generators through Airlock', () => {
  let h: Harness;
  let direct: DirectKubectl;

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY });
    direct = await directKubectl(h.fake, h.dir);
    // Created behind Airlock's back: Airlock would refuse it, and `create job --from` copies its pod template.
    const seeded = await direct(['create', '-f', '-'], { input: JSON.stringify(HOST_PATH_CRONJOB) });
    expect(seeded.code, seeded.stderr).toBe(0);
  });
  afterAll(() => h.close());

  it('runs every generator, forwarding the agent’s protobuf bytes', async () => {
    for (const generator of GENERATORS(await writeGeneratorFiles(h.dir))) {
      const before = h.fake.requests.length;
      const run = await h.kubectl(generator.create);
      expect(run.code, `${generator.create.join(' ')}: ${run.stderr}`).toBe(0);
      // The dry run Airlock had the cluster decode it with, then the agent's own request, in the agent's encoding.
      const posts = h.fake.requests.slice(before).filter((r) => r.method === 'POST');
      const sent = generator.json ? 'application/json' : PROTOBUF;
      expect(posts.map((r) => r.headers['content-type']?.[0])).toEqual(
        generator.json ? [sent] : [sent, sent],
      );
      expect(posts.at(-1)?.query.getAll('dryRun')).toEqual([]);
    }
    for (const args of [
      ['auth', 'can-i', 'get', 'pods'],
      ['auth', 'whoami'],
      ['create', 'token', 'g-sa'],
    ]) {
      const run = await h.kubectl(args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
    }
  });

  it('decides a protobuf body as it decides the same object sent as JSON', async () => {
    const fromCron = ['create', 'job', 'copied', '--from=cronjob/node-reader'];
    const asProtobuf = await h.kubectl(fromCron);
    const json = await h.kubectl(withFlags(fromCron, ['--dry-run=client', '-o', 'json']));
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('hostPath');
    const asJson = await h.kubectl(['create', '-f', '-'], { input: json.stdout });
    for (const [form, run] of [
      ['protobuf', asProtobuf],
      ['JSON', asJson],
    ] as const) {
      expect(run.code, form).toBe(1);
      expect(run.stderr, form).toContain("pods must not mount the node's file system");
    }
    const forwarded = h.fake.requests.filter(
      (r) => r.method === 'POST' && r.body.includes('copied') && !r.query.getAll('dryRun').includes('All'),
    );
    expect(forwarded).toEqual([]);
  });

  it('never records a secret value sent as protobuf', async () => {
    const run = await h.kubectl([
      'create',
      'secret',
      'generic',
      'proto-canary',
      `--from-literal=password=${CANARY}`,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expectNoCanary(run.stdout + run.stderr, 'kubectl output');
    await expectNoCanaryStored(h);
  });
});
