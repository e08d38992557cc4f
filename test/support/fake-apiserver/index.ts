/**
 * A fake kube-apiserver for integration tests: real kubectl and @kubernetes/client-node work against it
 * directly, and Airlock forwards to it with its own bearer token. It serves discovery, OpenAPI v3,
 * core/apps/rbac resources with kube-apiserver's REST semantics, Tables, watches, logs and exec, and it
 * records every request so tests can assert what reached "the cluster".
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import { findKind, findResource, NAMESPACES } from './catalog.js';
import { serverCertificate } from './certs.js';
import { FaultInjector, type FaultRule, type RecordedRequest } from './faults.js';
import { createRequestListener, createUpgradeListener } from './http-server.js';
import { renderKubeconfig } from './kubeconfig.js';
import type { KubeObject } from './objects.js';
import { OpenStreams } from './open-streams.js';
import { PodExecServer } from './pod-exec.js';
import { PodPortForwardServer } from './pod-portforward.js';
import { Registry, type WriteContext } from './registry.js';
import { ResourceHandler } from './resource-handler.js';
import { ObjectStore } from './store.js';
import { AddressAllocator } from './strategy.js';
import { WorkloadController } from './workload-controller.js';

export type { FaultResponse, FaultRule, RecordedRequest } from './faults.js';
export type { KubeObject, ObjectMeta, OwnerReference } from './objects.js';
export { LOG_ANNOTATION } from './pod-log.js';

export interface ResourcePath {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name: string;
}

export interface KubeconfigOverrides {
  server?: string;
  token?: string;
  caPem?: string;
  insecure?: boolean;
}

export interface FakeApiServer {
  /** https://127.0.0.1:PORT */
  url: string;
  /** Trust anchor for the server certificate (SAN IP:127.0.0.1, DNS:localhost). */
  caPem: string;
  /** The bearer token it requires; anything else gets a 401 Status. */
  token: string;
  /** Every request received, in order; clear with `requests.length = 0`. */
  requests: RecordedRequest[];
  /** TLS connections accepted so far (a client's keep-alive pool shows as few). */
  connections(): number;
  addFault(rule: FaultRule): void;
  /** Stores an object as if created (or replaces it); its namespace is created when missing. */
  seed(obj: KubeObject): KubeObject;
  getObject(at: ResourcePath): KubeObject | undefined;
  /** Kubeconfig YAML; the defaults give direct access to this server. */
  kubeconfig(opts?: KubeconfigOverrides): string;
  /** Stops listening and ends open watches, followed logs and exec sessions. */
  close(): Promise<void>;
}

export interface FakeApiServerOptions {
  /** What /version reports; the kubectl dispatcher picks its kubectl by it. Default v1.32.4. */
  gitVersion?: string;
  token?: string;
  /** Keep `requests` (default true); long-running servers such as the benchmark's turn it off. */
  recordRequests?: boolean;
}

const SEEDER: WriteContext = { dryRun: false, fieldManager: 'fake-apiserver-seed' };
const INITIAL_NAMESPACES = ['default', 'kube-system'];

function seedObject(registry: Registry, store: ObjectStore, obj: KubeObject): KubeObject {
  const rt = findKind(obj.apiVersion, obj.kind);
  if (!rt) throw new Error(`the fake API server does not serve ${obj.apiVersion} ${obj.kind}`);
  const namespace = rt.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
  if (namespace !== undefined && !store.get(NAMESPACES, { namespace: undefined, name: namespace })) {
    registry.create(NAMESPACES, undefined, { metadata: { name: namespace } }, SEEDER);
  }
  const at = { namespace, name: obj.metadata.name ?? '' };
  const existing = store.get(rt, at);
  const body = { ...obj, metadata: { ...obj.metadata, namespace, resourceVersion: undefined } };
  return existing ? registry.update(rt, at, body, SEEDER) : registry.create(rt, namespace, body, SEEDER);
}

export async function startFakeApiServer(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const { caPem, certPem, keyPem } = await serverCertificate();
  const token = opts.token ?? randomBytes(24).toString('hex');
  const clock = () => new Date();
  const store = new ObjectStore();
  const streams = new OpenStreams();
  const registry = new Registry(store, new AddressAllocator(), clock);
  const stopController = new WorkloadController(store, registry).start();
  for (const name of INITIAL_NAMESPACES)
    registry.create(NAMESPACES, undefined, { metadata: { name } }, SEEDER);

  const requests: RecordedRequest[] = [];
  const faults = new FaultInjector();
  let address = '';
  const deps = {
    token,
    gitVersion: opts.gitVersion ?? 'v1.32.4',
    serverAddress: () => address,
    requests,
    recordRequests: opts.recordRequests ?? true,
    faults,
    registry,
    resources: new ResourceHandler({ registry, store, streams, clock }),
    exec: new PodExecServer(streams),
    portForward: new PodPortForwardServer(streams),
  };
  const server = createServer({ cert: certPem, key: keyPem });
  server.on('request', createRequestListener(deps));
  server.on('upgrade', createUpgradeListener(deps));
  // Hung requests and upgraded sockets are not closed by server.close(); close() destroys them.
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on('secureConnection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('the fake API server has no TCP address');
  address = `127.0.0.1:${bound.port}`;
  const url = `https://${address}`;

  return {
    url,
    caPem,
    token,
    requests,
    connections: () => connections,
    addFault: (rule) => faults.add(rule),
    seed: (obj) => seedObject(registry, store, obj),
    getObject: ({ group, version, resource, namespace, name }) => {
      const rt = findResource(group, version, resource);
      return rt && store.get(rt, { namespace, name });
    },
    kubeconfig: (overrides = {}) =>
      renderKubeconfig({
        server: overrides.server ?? url,
        token: overrides.token ?? token,
        ...(overrides.insecure ? { insecure: true } : { caPem: overrides.caPem ?? caPem }),
      }),
    close: async () => {
      streams.closeAll();
      stopController();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
