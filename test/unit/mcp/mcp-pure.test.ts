import { describe, expect, it } from 'vitest';
import { matchKind, matchResource, resourcesOf } from '../../../src/mcp/discovery.js';
import { refusal, renderEvents, renderTable } from '../../../src/mcp/render.js';
import { manifestObjects, objectPath, ToolArgumentError } from '../../../src/mcp/tools.js';

const core = resourcesOf('', 'v1', {
  resources: [
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get'], shortNames: ['po'] },
    { name: 'pods/log', namespaced: true, kind: 'Pod' },
    { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', shortNames: ['ev'] },
    {
      name: 'namespaces',
      singularName: 'namespace',
      namespaced: false,
      kind: 'Namespace',
      shortNames: ['ns'],
    },
  ],
});
const apps = resourcesOf('apps', 'v1', {
  resources: [
    {
      name: 'deployments',
      singularName: 'deployment',
      namespaced: true,
      kind: 'Deployment',
      shortNames: ['deploy'],
    },
    { name: 'deployments/scale', namespaced: true, kind: 'Scale' },
  ],
});
const events = resourcesOf('events.k8s.io', 'v1', {
  resources: [{ name: 'events', singularName: 'event', namespaced: true, kind: 'Event', shortNames: ['ev'] }],
});
const all = [...core, ...apps, ...events];

describe('resource names', () => {
  it('folds subresources into their parent', () => {
    expect(core.find((r) => r.resource === 'pods')?.subresources).toEqual(['log']);
    expect(core.some((r) => r.resource.includes('/'))).toBe(false);
  });

  it.each([
    'deployments',
    'deployment',
    'deploy',
    'Deployment',
    'DEPLOY',
    'deployments.apps',
    'deploy.v1.apps',
  ])('%s is apps/v1 deployments', (name) =>
    expect(matchResource(all, name)).toMatchObject({ group: 'apps', resource: 'deployments' }),
  );

  it('prefers the core group on ties, as kubectl does, unless a group is named', () => {
    expect(matchResource(all, 'events')?.group).toBe('');
    expect(matchResource(all, 'events.events.k8s.io')?.group).toBe('events.k8s.io');
  });

  it('finds nothing for an unknown name or a wrong group', () => {
    expect(matchResource(all, 'widgets')).toBeUndefined();
    expect(matchResource(all, 'deployments.batch')).toBeUndefined();
  });

  it('finds a manifest kind by apiVersion and kind', () => {
    expect(matchKind(all, 'apps/v1', 'Deployment')?.resource).toBe('deployments');
    expect(matchKind(all, 'v1', 'Deployment')).toBeUndefined();
  });

  it('builds namespaced and cluster-scoped paths, escaping names', () => {
    const pods = matchResource(all, 'pods')!;
    expect(objectPath(pods, { namespace: 'a', name: 'web-1', subresource: 'log' })).toBe(
      '/api/v1/namespaces/a/pods/web-1/log',
    );
    expect(objectPath(pods, {})).toBe('/api/v1/pods');
    expect(objectPath(matchResource(all, 'ns')!, { namespace: 'ignored', name: 'a/b' })).toBe(
      '/api/v1/namespaces/a%2Fb',
    );
  });
});

describe('manifests', () => {
  it('splits documents, expands Lists and skips empty documents', () => {
    const objects = manifestObjects(
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}',
        '',
        'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}',
      ].join('\n---\n'),
    );
    expect(objects.map((o) => `${String(o.kind)}/${String(o.metadata?.name)}`)).toEqual([
      'ConfigMap/a',
      'Secret/b',
    ]);
  });

  it.each([
    ['kind: [', /not valid YAML/],
    ['- a\n- b', /not an object/],
    ['apiVersion: v1\nkind: ConfigMap', /needs apiVersion, kind and metadata.name/],
    ['', /holds no objects/],
  ])('refuses %j', (manifest, message) => {
    expect(() => manifestObjects(manifest)).toThrow(ToolArgumentError);
    expect(() => manifestObjects(manifest)).toThrow(message);
  });
});

describe('rendering', () => {
  it('prints a Table like kubectl get, with a namespace column and a continue hint', () => {
    const text = renderTable(
      {
        columnDefinitions: [{ name: 'Name' }, { name: 'Ready' }, { name: 'Node', priority: 1 }],
        rows: [
          { cells: ['web-abc', '1/1', 'n1'], object: { metadata: { namespace: 'shop' } } },
          { cells: ['db', '0/1', 'n2'], object: { metadata: { namespace: 'data' } } },
        ],
        metadata: { continue: 'tok' },
      },
      { namespaceColumn: true },
    );
    expect(text).toBe(
      'NAMESPACE   NAME      READY\nshop        web-abc   1/1\ndata        db        0/1\n\n(more: call again with continue="tok")',
    );
    expect(renderTable({ columnDefinitions: [{ name: 'Name' }], rows: [] })).toBe('No resources found.');
  });

  it('prints events oldest first', () => {
    const text = renderEvents({
      items: [
        {
          type: 'Warning',
          reason: 'BackOff',
          message: 'restarting',
          lastTimestamp: '2026-01-02T00:00:00Z',
          count: 3,
          involvedObject: { kind: 'Pod', name: 'web' },
        },
        {
          type: 'Normal',
          reason: 'Pulled',
          message: 'pulled\nimage',
          lastTimestamp: '2026-01-01T00:00:00Z',
          involvedObject: { kind: 'Pod', name: 'web' },
        },
      ],
    });
    expect(text.split('\n').slice(1)).toEqual([
      '2026-01-01T00:00:00Z   Normal    Pulled    pod/web   pulled image',
      '2026-01-02T00:00:00Z   Warning   BackOff   pod/web   restarting (x3)',
    ]);
  });

  it('turns a parked answer into the exact call to repeat, and anything else into an error', () => {
    const status = (message: string) => JSON.stringify({ kind: 'Status', message });
    const retry = { tool: 'scale', arguments: { name: 'web', replicas: 0, reason: 'r' } };
    const parked = refusal(
      {
        status: 504,
        contentType: 'application/json',
        body: status('waiting for human approval: review r1'),
        truncated: false,
        review: { id: 'r1', state: 'waiting' },
      },
      retry,
    );
    expect(parked.isError).toBeUndefined();
    expect(parked.structuredContent).toEqual({ review: { id: 'r1', state: 'waiting' }, retry });
    expect(parked.content[0]!.text).toContain(
      'call scale again with exactly these arguments: {"name":"web","replicas":0,"reason":"r"}',
    );

    const forbidden = refusal(
      { status: 403, contentType: 'application/json', body: status('outside scope'), truncated: false },
      retry,
    );
    expect(forbidden).toEqual({
      content: [{ type: 'text', text: 'HTTP 403: outside scope' }],
      isError: true,
    });
  });
});
