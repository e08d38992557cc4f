/**
 * kubectl's object generators — the commands that send their body as `application/vnd.kubernetes.protobuf` — as
 * test cases shared by the fake's own protobuf test and the Airlock one. Each runs in namespace `default`; later
 * cases use objects earlier ones create (`expose` the deployment, `create job --from` the cronjob, a token for the
 * service account).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serverCertificate } from './fake-apiserver/certs.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

export interface GeneratorCase {
  title: string;
  args: string[];
  /**
   * The object the body must decode to, for commands without `--dry-run=client -o json` (written out by hand as
   * Go's JSON of what kubectl sends); undefined when kubectl's own dry-run JSON is the reference.
   */
  body?: Record<string, unknown>;
  /** The path kubectl POSTs the body to. */
  path: string;
  /** kubectl 1.32 sends this one as JSON (observed: `expose` builds an unstructured object). */
  sendsJson?: true;
}

/** `args` with kubectl flags added before a `--` (after it they would be the container's command). */
export function withFlags(args: readonly string[], ...flags: string[]): string[] {
  const end = args.indexOf('--');
  return end < 0 ? [...args, ...flags] : [...args.slice(0, end), ...flags, ...args.slice(end)];
}

/** Bytes that are not UTF-8, so `binaryData` must survive as bytes. */
const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x7f, 0x0a]);

/** Writes the files the generators read into `dir`: a TLS pair (a generated certificate) and a binary file. */
export async function writeGeneratorFiles(dir: string): Promise<void> {
  const { certPem, keyPem } = await serverCertificate();
  await writeFile(join(dir, 'tls.crt'), certPem);
  await writeFile(join(dir, 'tls.key'), keyPem);
  await writeFile(join(dir, 'blob.bin'), BINARY);
}

/** The generator commands, reading their files from `dir` (see `writeGeneratorFiles`). */
export function generatorCases(dir: string, secretValue: string): GeneratorCase[] {
  const ns = '/api/v1/namespaces/default';
  const apis = (group: string, resource: string, namespaced = true) =>
    `/apis/${group}/v1${namespaced ? '/namespaces/default' : ''}/${resource}`;
  return [
    { title: 'namespace', args: ['create', 'namespace', 'team-a'], path: '/api/v1/namespaces' },
    {
      title: 'deployment (replicas, port, command)',
      args: [
        'create',
        'deployment',
        'web',
        '--image=nginx:1.27',
        '--replicas=2',
        '--port=8080',
        '--',
        'nginx',
        '-g',
        'daemon off;',
      ],
      path: apis('apps', 'deployments'),
    },
    {
      title: 'configmap (literals, binary file)',
      args: [
        'create',
        'configmap',
        'settings',
        '--from-literal=mode=fast',
        '--from-literal=empty=',
        `--from-file=${join(dir, 'blob.bin')}`,
      ],
      path: `${ns}/configmaps`,
    },
    {
      title: 'secret generic',
      args: [
        'create',
        'secret',
        'generic',
        'db',
        `--from-literal=password=${secretValue}`,
        '--type=example.com/db',
      ],
      path: `${ns}/secrets`,
    },
    {
      title: 'secret tls (a generated certificate)',
      args: [
        'create',
        'secret',
        'tls',
        'site-tls',
        `--cert=${join(dir, 'tls.crt')}`,
        `--key=${join(dir, 'tls.key')}`,
      ],
      path: `${ns}/secrets`,
    },
    {
      title: 'secret docker-registry',
      args: [
        'create',
        'secret',
        'docker-registry',
        'pull',
        '--docker-server=registry.example.com',
        '--docker-username=bot',
        '--docker-password=pw',
        '--docker-email=bot@example.com',
      ],
      path: `${ns}/secrets`,
    },
    { title: 'serviceaccount', args: ['create', 'serviceaccount', 'builder'], path: `${ns}/serviceaccounts` },
    {
      title: 'role',
      args: [
        'create',
        'role',
        'reader',
        '--verb=get,list',
        '--resource=pods,deployments.apps',
        '--resource-name=web',
      ],
      path: apis('rbac.authorization.k8s.io', 'roles'),
    },
    {
      title: 'clusterrole (non-resource URLs)',
      args: ['create', 'clusterrole', 'health', '--verb=get', '--non-resource-url=/healthz'],
      path: apis('rbac.authorization.k8s.io', 'clusterroles', false),
    },
    {
      title: 'clusterrole (aggregation rule)',
      args: [
        'create',
        'clusterrole',
        'monitoring',
        '--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true',
      ],
      path: apis('rbac.authorization.k8s.io', 'clusterroles', false),
    },
    {
      title: 'rolebinding',
      args: [
        'create',
        'rolebinding',
        'read',
        '--role=reader',
        '--user=ann',
        '--group=devs',
        '--serviceaccount=default:builder',
      ],
      path: apis('rbac.authorization.k8s.io', 'rolebindings'),
    },
    {
      title: 'clusterrolebinding',
      args: [
        'create',
        'clusterrolebinding',
        'health',
        '--clusterrole=health',
        '--group=system:authenticated',
      ],
      path: apis('rbac.authorization.k8s.io', 'clusterrolebindings', false),
    },
    {
      title: 'job',
      args: ['create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi'],
      path: apis('batch', 'jobs'),
    },
    {
      title: 'cronjob',
      args: [
        'create',
        'cronjob',
        'nightly',
        '--image=busybox',
        '--schedule=0 3 * * *',
        '--restart=OnFailure',
        '--',
        'date',
      ],
      path: apis('batch', 'cronjobs'),
    },
    {
      title: 'job --from=cronjob (owner reference)',
      args: ['create', 'job', 'nightly-now', '--from=cronjob/nightly'],
      path: apis('batch', 'jobs'),
    },
    {
      title: 'service clusterip',
      args: ['create', 'service', 'clusterip', 'api', '--tcp=5678:8080', '--tcp=443'],
      path: `${ns}/services`,
    },
    {
      title: 'service clusterip (headless)',
      args: ['create', 'service', 'clusterip', 'peers', '--clusterip=None'],
      path: `${ns}/services`,
    },
    {
      title: 'service nodeport',
      args: ['create', 'service', 'nodeport', 'edge', '--tcp=80:8080', '--node-port=30080'],
      path: `${ns}/services`,
    },
    {
      title: 'service loadbalancer',
      args: ['create', 'service', 'loadbalancer', 'public', '--tcp=80:http'],
      path: `${ns}/services`,
    },
    {
      title: 'service externalname',
      args: ['create', 'service', 'externalname', 'mail', '--external-name=mail.example.com', '--tcp=25'],
      path: `${ns}/services`,
    },
    {
      title: 'expose deployment',
      args: [
        'expose',
        'deployment',
        'web',
        '--name=web-svc',
        '--port=80',
        '--target-port=8080',
        '--labels=tier=front',
      ],
      path: `${ns}/services`,
      sendsJson: true,
    },
    {
      title: 'quota',
      args: ['create', 'quota', 'limits', '--hard=pods=10,cpu=1500m,memory=2Gi', '--scopes=NotBestEffort'],
      path: `${ns}/resourcequotas`,
    },
    {
      title: 'priorityclass',
      args: [
        'create',
        'priorityclass',
        'urgent',
        '--value=1000',
        '--description=on call',
        '--preemption-policy=Never',
      ],
      path: apis('scheduling.k8s.io', 'priorityclasses', false),
    },
    {
      title: 'poddisruptionbudget',
      args: ['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=50%'],
      path: apis('policy', 'poddisruptionbudgets'),
    },
    {
      title: 'ingress',
      args: [
        'create',
        'ingress',
        'site',
        '--class=nginx',
        '--rule=example.com/api*=api:5678,tls=site-tls',
        '--annotation=a=b',
      ],
      path: apis('networking.k8s.io', 'ingresses'),
    },
    {
      title: 'token',
      args: ['create', 'token', 'builder', '--duration=10m', '--audience=api'],
      path: `${ns}/serviceaccounts/builder/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: { creationTimestamp: null },
        spec: { audiences: ['api'], expirationSeconds: 600, boundObjectRef: null },
        status: { token: '', expirationTimestamp: null },
      },
    },
    {
      title: 'auth can-i',
      args: ['auth', 'can-i', 'delete', 'deployments.apps', '--subresource=scale'],
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        metadata: { creationTimestamp: null },
        spec: {
          resourceAttributes: {
            namespace: 'default',
            verb: 'delete',
            group: 'apps',
            resource: 'deployments',
            subresource: 'scale',
          },
        },
        status: { allowed: false },
      },
    },
    {
      title: 'auth whoami',
      args: ['auth', 'whoami'],
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
        metadata: { creationTimestamp: null },
        status: { userInfo: {} },
      },
    },
  ];
}
