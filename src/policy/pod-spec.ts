/**
 * Pod-spec facts: what a write's body could give a pod that takes it out of Airlock's view (a privileged container,
 * the node's filesystem or namespaces, a Secret mounted where the pod can print it). Rules match on them with
 * `match.podSpec`. Pure and conservative: a fact is present when the body *could* set it.
 *
 * The whole body is searched, not just the pod spec's place in each kind: the same fields sit in pods, every
 * workload's template, CronJobs' job template and custom resources that embed pod specs, and patches carry them at
 * any depth. A JSON patch is read as the values it writes at its paths.
 */
import { isJsonPatch, pointerSegments } from '../kube/json-patch.js';

export const POD_SPEC_FACTS = [
  'privileged',
  'hostPath',
  'hostNamespaces',
  'addedCapabilities',
  'secretMounts',
] as const;

export type PodSpecFact = (typeof POD_SPEC_FACTS)[number];

/** A write's body as policy sees it: absent, decoded, or there but unreadable (then every fact is assumed). */
export type PolicyBody = { kind: 'none' } | { kind: 'document'; value: unknown } | { kind: 'unreadable' };

const ALL: ReadonlySet<PodSpecFact> = new Set(POD_SPEC_FACTS);
const NONE: ReadonlySet<PodSpecFact> = new Set();

/** Objects whose content is arbitrary data, never a pod's configuration: keys such as `secret` mean nothing there. */
const DATA_RESOURCES = new Set(['configmaps', 'secrets']);

/** The facts a write's body could set on a pod, for a request to `target` (`resource` without subresource). */
export function podSpecFacts(
  target: { apiGroup: string; resource: string },
  body: PolicyBody,
): ReadonlySet<PodSpecFact> {
  if (body.kind === 'none' || (target.apiGroup === '' && DATA_RESOURCES.has(target.resource))) return NONE;
  if (body.kind === 'unreadable') return ALL;
  if (!isJsonPatch(body.value)) return factsIn(body.value);
  const facts = new Set<PodSpecFact>();
  for (const op of body.value) {
    const written = writtenValue(op);
    if (written === undefined) continue;
    if (written === ALL) return ALL;
    for (const fact of factsIn(written)) facts.add(fact);
  }
  return facts;
}

/**
 * What an op writes, placed under its path (`add /spec/hostPID true` → `{spec: {hostPID: true}}`); ALL when it
 * could write anything (copy and move take their value from the live object; an unknown op or a path that is not a
 * pointer is read in ways Airlock cannot follow).
 */
function writtenValue(op: { op: string; path: string; value?: unknown }): unknown {
  if (op.op === 'remove' || op.op === 'test') return undefined;
  const segments = pointerSegments(op.path);
  if ((op.op !== 'add' && op.op !== 'replace') || segments === undefined) return ALL;
  // Built from the inside out without recursion: a path may have as many segments as the body has bytes.
  let value: unknown = op.value;
  for (let i = segments.length - 1; i >= 0; i--) value = { [segments[i]!]: value };
  return value;
}

/**
 * Go's YAML decoder (which reads apply patches sent as YAML) takes YAML 1.1 booleans; the `yaml` package reads
 * them as strings. Either way they are treated as true here.
 */
const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on']);
const isTrue = (value: unknown): boolean =>
  value === true || (typeof value === 'string' && TRUE_WORDS.has(value.toLowerCase()));

const present = (value: unknown): boolean =>
  value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The facts one field sets. Keys compare case-insensitively: kube-apiserver decodes case-sensitively, so a differently
 * cased key is dropped there, but reviewing it costs less than reasoning about every decoder.
 */
function factOf(key: string, value: unknown): PodSpecFact | undefined {
  switch (key.toLowerCase()) {
    case 'privileged':
      return isTrue(value) ? 'privileged' : undefined;
    case 'hostpath':
      return present(value) ? 'hostPath' : undefined;
    case 'hostpid':
    case 'hostnetwork':
    case 'hostipc':
      return isTrue(value) ? 'hostNamespaces' : undefined;
    case 'capabilities':
      return isRecord(value) &&
        Object.entries(value).some(([k, v]) => k.toLowerCase() === 'add' && present(v))
        ? 'addedCapabilities'
        : undefined;
    // Secret volumes (also as projected sources) and env / envFrom references.
    case 'secret':
    case 'secretkeyref':
    case 'secretref':
      return isRecord(value) ? 'secretMounts' : undefined;
    default:
      return undefined;
  }
}

const METADATA_MAPS = new Set(['labels', 'annotations']);

/** Every fact anywhere in `value`, walked without recursion. */
function factsIn(value: unknown): Set<PodSpecFact> {
  const facts = new Set<PodSpecFact>();
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
    } else if (isRecord(node)) {
      for (const [key, child] of Object.entries(node)) {
        const fact = factOf(key, child);
        if (fact) facts.add(fact);
        // Labels and annotations map strings to strings: their keys are names, not fields.
        if (!METADATA_MAPS.has(key)) pending.push(child);
      }
    }
  }
  return facts;
}
