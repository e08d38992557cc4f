/**
 * Risk facts: short, deterministic sentences about what a change does that a reviewer must not miss.
 * Computed from the redacted live and resulting objects (never from raw values), so they cannot leak secrets.
 * A fact is raised only for what the change introduces: a privileged pod that stays privileged is not news.
 */
import type { ClassifiedRequest } from '../kube/request-info.js';
import { globMatches } from '../policy/glob.js';
import { isRecord, type JsonObject, shortValue, valueAt } from './json.js';
import type { DeleteImpact } from './delete-impact.js';
import { countOf, kindOfResource, PRODUCTION_NAMESPACES } from './kinds.js';
import type { RiskFact } from './model.js';

/** Objects that would go with the target (dependents, namespace members, selector matches). */
export type DeleteReach = Pick<DeleteImpact, 'total'>;

/** From this many objects on, a deletion is "many". */
export const MANY_OBJECTS = 10;

const POD_SPEC_PATHS = [
  ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  ['spec', 'template', 'spec'],
  ['spec'],
];
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'];
const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;
const DANGEROUS_CAPABILITIES = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'DAC_READ_SEARCH',
]);
const PRIVILEGED_VERBS = ['escalate', 'bind', 'impersonate'];
const ADMIN_ROLES = new Set(['cluster-admin', 'admin']);

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];
const records = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isRecord) : []);
const kindOf = (object: unknown): string => String(valueAt(object, ['kind']) ?? '');
/** Kinds whose `spec.replicas` is the number of pods they keep running. */
const REPLICATED_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);
const SEVERITY_ORDER: Record<RiskFact['severity'], number> = { high: 0, medium: 1, info: 2 };
const nameOf = (object: unknown): string => String(valueAt(object, ['metadata', 'name']) ?? '');

/** The pod spec of a pod, a workload's template or a CronJob's job template. */
export function podSpecOf(object: unknown): JsonObject | undefined {
  for (const path of POD_SPEC_PATHS) {
    const spec = valueAt(object, path);
    if (isRecord(spec) && Array.isArray(spec.containers)) return spec;
  }
  return undefined;
}

interface Container {
  name: string;
  spec: JsonObject;
}

function containersOf(object: unknown): Container[] {
  const spec = podSpecOf(object);
  if (!spec) return [];
  return CONTAINER_LISTS.flatMap((list) => records(spec[list])).map((c) => ({
    name: String(c.name ?? '?'),
    spec: c,
  }));
}

/** Items `of(result)` yields that `of(live)` does not: what the change introduces. */
function introduced(live: unknown, result: unknown, of: (object: unknown) => string[]): string[] {
  const before = new Set(live === undefined ? [] : of(live));
  return [...new Set(of(result))].filter((item) => !before.has(item));
}

const fact = (id: string, severity: RiskFact['severity'], text: string): RiskFact => ({ id, severity, text });

function replicasOf(object: unknown): number | undefined {
  const replicas = valueAt(object, ['spec', 'replicas']);
  return typeof replicas === 'number' ? replicas : undefined;
}

function scaleFacts(live: unknown, result: unknown, target: string): RiskFact[] {
  const from = replicasOf(live);
  const to = replicasOf(result);
  // An absent `replicas` on a live workload means the default, 1.
  const running = from ?? (podSpecOf(live) ? 1 : 0);
  return to === 0 && running > 0
    ? [fact('scale-to-zero', 'high', `Scales ${target} to zero replicas (from ${running}).`)]
    : [];
}

function podFacts(live: unknown, result: unknown): RiskFact[] {
  const facts: RiskFact[] = [];
  const hostNamespaces = introduced(live, result, (o) =>
    HOST_NAMESPACES.filter((f) => podSpecOf(o)?.[f] === true),
  );
  if (hostNamespaces.length > 0) {
    facts.push(
      fact('host-namespaces', 'high', `Runs pods in the host's namespaces (${hostNamespaces.join(', ')}).`),
    );
  }
  const privileged = introduced(live, result, (o) =>
    containersOf(o)
      .filter((c) => valueAt(c.spec, ['securityContext', 'privileged']) === true)
      .map((c) => c.name),
  );
  if (privileged.length > 0) {
    facts.push(
      fact(
        'privileged',
        'high',
        `Makes container ${privileged.join(', ')} privileged (full access to the node).`,
      ),
    );
  }
  const capabilities = introduced(live, result, (o) =>
    containersOf(o).flatMap((c) =>
      strings(valueAt(c.spec, ['securityContext', 'capabilities', 'add']))
        .filter((cap) => DANGEROUS_CAPABILITIES.has(cap.toUpperCase().replace(/^CAP_/, '')))
        .map((cap) => `${cap} on ${c.name}`),
    ),
  );
  if (capabilities.length > 0)
    facts.push(fact('capabilities', 'high', `Adds Linux capabilities: ${capabilities.join(', ')}.`));
  const hostPaths = introduced(live, result, (o) =>
    records(podSpecOf(o)?.volumes).flatMap((v) => strings([valueAt(v, ['hostPath', 'path'])])),
  );
  if (hostPaths.length > 0)
    facts.push(fact('host-path', 'high', `Mounts host paths: ${hostPaths.join(', ')}.`));
  return facts;
}

function containerFacts(live: unknown, result: unknown): RiskFact[] {
  if (live === undefined || result === undefined) return [];
  const liveContainers = new Map(containersOf(live).map((c) => [c.name, c.spec]));
  const facts: RiskFact[] = [];
  for (const { name, spec } of containersOf(result)) {
    const before = liveContainers.get(name);
    if (!before) continue;
    if (before.image !== spec.image) {
      const text = `Changes the image of container ${name}: ${shortValue(before.image ?? 'none')} → ${shortValue(spec.image ?? 'none')}.`;
      facts.push(fact('image-change', 'medium', text));
    }
    const limitsBefore = Object.keys(valueAt(before, ['resources', 'limits']) ?? {});
    const limitsAfter = new Set(Object.keys(valueAt(spec, ['resources', 'limits']) ?? {}));
    const removed = limitsBefore.filter((l) => !limitsAfter.has(l));
    if (removed.length > 0) {
      facts.push(
        fact('limits-removed', 'medium', `Removes the ${removed.join(' and ')} limit of container ${name}.`),
      );
    }
  }
  return facts;
}

const describeRule = (rule: JsonObject): string =>
  `${strings(rule.verbs).join(',') || '-'} on ${strings(rule.resources).join(',') || strings(rule.nonResourceURLs).join(',') || '-'}` +
  ` (apiGroups ${
    strings(rule.apiGroups)
      .map((g) => g || '""')
      .join(',') || '-'
  })`;

function rbacFacts(live: unknown, result: unknown, target: string): RiskFact[] {
  const facts: RiskFact[] = [];
  const newRules = (test: (rule: JsonObject) => boolean) =>
    introduced(live, result, (o) =>
      records(valueAt(o, ['rules']))
        .filter(test)
        .map(describeRule),
    );
  const wildcard = newRules((r) =>
    ['verbs', 'resources', 'apiGroups', 'nonResourceURLs'].some((f) => strings(r[f]).includes('*')),
  );
  if (wildcard.length > 0)
    facts.push(
      fact('rbac-wildcard', 'high', `Grants wildcard (*) access in ${target}: ${wildcard.join('; ')}.`),
    );
  const privileged = newRules((r) => strings(r.verbs).some((v) => PRIVILEGED_VERBS.includes(v)));
  if (privileged.length > 0) {
    facts.push(
      fact(
        'rbac-privileged-verbs',
        'high',
        `Grants escalate/bind/impersonate in ${target}: ${privileged.join('; ')}.`,
      ),
    );
  }
  const secrets = newRules((r) => strings(r.resources).includes('secrets'));
  if (secrets.length > 0)
    facts.push(fact('rbac-secrets', 'medium', `Grants access to Secrets in ${target}.`));

  const roleRef = valueAt(result, ['roleRef', 'name']);
  if (typeof roleRef === 'string' && ADMIN_ROLES.has(roleRef)) {
    const subjects = introduced(live, result, (o) =>
      records(valueAt(o, ['subjects'])).map((s) => `${String(s.kind ?? '')} ${String(s.name ?? '')}`),
    );
    if (subjects.length > 0 || valueAt(live, ['roleRef', 'name']) !== roleRef) {
      const who = subjects.length > 0 ? subjects.join(', ') : 'its subjects';
      facts.push(fact('rbac-admin-binding', 'high', `Binds ${who} to ${roleRef} via ${target}.`));
    }
  }
  return facts;
}

/** Pods a live workload runs now: its ready replicas when the status says, else what its spec asks for. */
function runningReplicas(live: unknown): number {
  if (!REPLICATED_KINDS.has(kindOf(live))) return 0;
  const ready = valueAt(live, ['status', 'readyReplicas']);
  if (typeof ready === 'number') return ready;
  return replicasOf(live) ?? 1;
}

function deleteFacts(
  request: ClassifiedRequest,
  live: unknown,
  target: string,
  impact: DeleteReach | undefined,
): RiskFact[] {
  const { verb, resource, subresource, name } = request.info;
  const total = impact?.total ?? 0;
  if (verb === 'delete' && resource === 'namespaces' && subresource === '') {
    return [
      fact(
        'delete-namespace',
        'high',
        `Deletes namespace ${name} and everything in it (${countOf(total, 'object')} counted).`,
      ),
    ];
  }
  if (verb === 'deletecollection') {
    return [
      fact(
        'delete-many',
        total >= MANY_OBJECTS ? 'high' : 'medium',
        `Deletes ${countOf(total, kindOfResource(resource))} at once.`,
      ),
    ];
  }
  if (verb !== 'delete' || subresource !== '') return [];
  const facts: RiskFact[] = [];
  const running = runningReplicas(live);
  if (running > 0)
    facts.push(
      fact('delete-running', 'high', `Deletes ${target} and its ${countOf(running, 'running replica')}.`),
    );
  facts.push(...dataLossFacts(resource, live, target));
  if (total > 0) {
    const orphans =
      request.deleteOptions?.propagationPolicy === 'Orphan' || request.deleteOptions?.orphanDependents;
    facts.push(
      orphans
        ? fact(
            'orphans-dependents',
            'info',
            `Leaves ${countOf(total, 'dependent object')} of ${target} running without an owner.`,
          )
        : fact(
            'delete-dependents',
            total >= MANY_OBJECTS ? 'high' : 'medium',
            `Also deletes ${countOf(total, 'object')} owned by ${target}.`,
          ),
    );
  }
  return facts;
}

/** Deleting storage: a claim's volume (and a volume's data) goes when its reclaim policy is Delete. */
function dataLossFacts(resource: string, live: unknown, target: string): RiskFact[] {
  if (resource === 'persistentvolumeclaims') {
    return [
      fact(
        'data-loss',
        'high',
        `Deletes ${target}: its volume and the data on it are destroyed when the volume's reclaim policy is Delete (the default for provisioned volumes).`,
      ),
    ];
  }
  if (resource !== 'persistentvolumes') return [];
  const policy = String(valueAt(live, ['spec', 'persistentVolumeReclaimPolicy']) ?? 'unknown');
  return policy === 'Retain'
    ? [
        fact(
          'data-loss',
          'medium',
          `Deletes ${target} (reclaim policy Retain): the data stays on the storage but leaves the cluster.`,
        ),
      ]
    : [
        fact(
          'data-loss',
          'high',
          `Deletes ${target} (reclaim policy ${policy}): the data on it is destroyed.`,
        ),
      ];
}

/** Where the change lands: a production namespace, or the whole cluster for a cluster-scoped object. */
function scopeFacts(request: ClassifiedRequest, target: string): RiskFact[] {
  const { namespace, resource, isResourceRequest } = request.info;
  if (!isResourceRequest) return [];
  if (namespace === '') {
    return resource === 'namespaces'
      ? []
      : [fact('cluster-wide', 'medium', `Cluster-scoped: ${target} applies across every namespace.`)];
  }
  // A namespace's own name is its `namespace` too: deleting namespace prod is in production.
  return PRODUCTION_NAMESPACES.some((pattern) => globMatches(pattern, namespace))
    ? [fact('production-namespace', 'medium', `In production namespace ${namespace}.`)]
    : [];
}

/**
 * What the change introduces, from the redacted `live` (undefined before a create) to `result` (undefined after a
 * delete). `impact` describes a deletion's reach.
 */
export function riskFacts(
  request: ClassifiedRequest,
  live: unknown,
  result: unknown,
  impact?: DeleteReach,
): RiskFact[] {
  const object = result ?? live;
  // A subresource (scale, status) answers with its own kind: name the object it belongs to instead.
  const kind = (request.info.subresource === '' && kindOf(object)) || kindOfResource(request.info.resource);
  const target = `${kind} ${nameOf(object) || request.info.name}`.trim();
  const facts = [
    ...deleteFacts(request, live, target, impact),
    ...(result === undefined ? [] : scaleFacts(live, result, target)),
    ...(result === undefined ? [] : podFacts(live, result)),
    ...containerFacts(live, result),
    ...(result === undefined ? [] : rbacFacts(live, result, target)),
    ...scopeFacts(request, target),
  ];
  // The gravest first: a card shows only the first few. Sorting is stable, so equal grades keep their order.
  return facts.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}
