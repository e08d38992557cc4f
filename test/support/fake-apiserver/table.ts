/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io`): the columns kubectl shows
 * for `kubectl get`. Cells are computed here, as kube-apiserver does, including the human Age.
 */
import type { ResourceType } from './catalog.js';
import { isRecord, valueAt } from './json.js';
import type { KubeObject } from './objects.js';

export type TableVersion = 'v1' | 'v1beta1';
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  version: TableVersion;
  includeObject: IncludeObject;
  now: Date;
}

type Cell = string | number;

interface Column {
  name: string;
  type: 'string' | 'integer';
  format?: 'name';
  priority?: number;
  description: string;
  cell: (object: KubeObject, now: Date) => Cell;
}

/** apimachinery's duration.HumanDuration, which kube-apiserver uses for the Age column. */
function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (days < 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

const str = (object: KubeObject, path: string, fallback = '<none>'): string => {
  const value = valueAt(object, path);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
};
const num = (object: KubeObject, path: string): number => {
  const value = valueAt(object, path);
  return typeof value === 'number' ? value : 0;
};
const count = (value: unknown): number =>
  Array.isArray(value) ? value.length : isRecord(value) ? Object.keys(value).length : 0;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const nameColumn: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  cell: (o) => o.metadata.name ?? '',
};
const ageColumn: Column = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: (o, now) => {
    const created = o.metadata.creationTimestamp;
    return created ? humanDuration(now.getTime() - Date.parse(created)) : '<unknown>';
  },
};
const column = (name: string, type: Column['type'], cell: Column['cell'], priority = 0): Column => ({
  name,
  type,
  description: name,
  priority,
  cell,
});

const podReady = (o: KubeObject): string => {
  const statuses = list(valueAt(o, 'status.containerStatuses'));
  const ready = statuses.filter((s) => isRecord(s) && s.ready === true).length;
  return `${ready}/${list(valueAt(o, 'spec.containers')).length}`;
};
const podRestarts = (o: KubeObject): number =>
  list(valueAt(o, 'status.containerStatuses')).reduce<number>(
    (sum, s) => sum + (isRecord(s) && typeof s.restartCount === 'number' ? s.restartCount : 0),
    0,
  );
const servicePorts = (o: KubeObject): string =>
  list(valueAt(o, 'spec.ports'))
    .map((p) => (isRecord(p) ? `${String(p.port)}/${String(p.protocol ?? 'TCP')}` : ''))
    .join(',') || '<none>';

const COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  namespaces: [nameColumn, column('Status', 'string', (o) => str(o, 'status.phase', '')), ageColumn],
  pods: [
    nameColumn,
    column('Ready', 'string', podReady),
    column('Status', 'string', (o) => str(o, 'status.phase', 'Pending')),
    column('Restarts', 'integer', podRestarts),
    ageColumn,
    column('IP', 'string', (o) => str(o, 'status.podIP'), 1),
    column('Node', 'string', (o) => str(o, 'spec.nodeName'), 1),
  ],
  configmaps: [nameColumn, column('Data', 'integer', (o) => count(o.data) + count(o.binaryData)), ageColumn],
  secrets: [
    nameColumn,
    column('Type', 'string', (o) => str(o, 'type', '')),
    column('Data', 'integer', (o) => count(o.data)),
    ageColumn,
  ],
  services: [
    nameColumn,
    column('Type', 'string', (o) => str(o, 'spec.type', 'ClusterIP')),
    column('Cluster-IP', 'string', (o) => str(o, 'spec.clusterIP')),
    column('External-IP', 'string', () => '<none>'),
    column('Port(s)', 'string', servicePorts),
    ageColumn,
  ],
  serviceaccounts: [nameColumn, column('Secrets', 'integer', (o) => count(o.secrets)), ageColumn],
  events: [
    column('Last Seen', 'string', (o, now) => ageColumn.cell(o, now)),
    column('Type', 'string', (o) => str(o, 'type', '')),
    column('Reason', 'string', (o) => str(o, 'reason', '')),
    column(
      'Object',
      'string',
      (o) => `${str(o, 'involvedObject.kind', '').toLowerCase()}/${str(o, 'involvedObject.name', '')}`,
    ),
    column('Message', 'string', (o) => str(o, 'message', '')),
    { ...nameColumn, priority: 1 },
  ],
  deployments: [
    nameColumn,
    column('Ready', 'string', (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}`),
    column('Up-to-date', 'integer', (o) => num(o, 'status.updatedReplicas')),
    column('Available', 'integer', (o) => num(o, 'status.availableReplicas')),
    ageColumn,
  ],
  replicasets: [
    nameColumn,
    column('Desired', 'integer', (o) => num(o, 'spec.replicas')),
    column('Current', 'integer', (o) => num(o, 'status.replicas')),
    column('Ready', 'integer', (o) => num(o, 'status.readyReplicas')),
    ageColumn,
  ],
  rolebindings: [
    nameColumn,
    column('Role', 'string', (o) => `${str(o, 'roleRef.kind', '')}/${str(o, 'roleRef.name', '')}`),
    ageColumn,
  ],
  clusterrolebindings: [
    nameColumn,
    column('Role', 'string', (o) => `${str(o, 'roleRef.kind', '')}/${str(o, 'roleRef.name', '')}`),
    ageColumn,
  ],
};

const DEFAULT_COLUMNS: readonly Column[] = [nameColumn, ageColumn];

function rowObject(object: KubeObject, include: IncludeObject): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export interface TableListMeta {
  resourceVersion: string;
  continue?: string;
}

export function renderTable(
  rt: ResourceType,
  objects: readonly KubeObject[],
  listMeta: TableListMeta,
  opts: TableOptions,
): object {
  const columns = COLUMNS[rt.resource] ?? DEFAULT_COLUMNS;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: listMeta,
    columnDefinitions: columns.map(({ name, type, format, description, priority }) => ({
      name,
      type,
      format: format ?? '',
      description,
      priority: priority ?? 0,
    })),
    rows: objects.map((object) => {
      const embedded = rowObject(object, opts.includeObject);
      return {
        cells: columns.map((c) => c.cell(object, opts.now)),
        ...(embedded ? { object: embedded } : {}),
      };
    }),
  };
}
