import { describe, expect, it } from 'vitest';
import { POD_SPEC_FACTS, podSpecFacts, type PodSpecFact } from '../../../src/policy/pod-spec.js';

const pods = { apiGroup: '', resource: 'pods' };
const deployments = { apiGroup: 'apps', resource: 'deployments' };

const factsOf = (value: unknown, target = deployments): PodSpecFact[] =>
  [...podSpecFacts(target, { kind: 'document', value })].sort();

const template = (spec: Record<string, unknown>) => ({ spec: { template: { spec } } });
const container = (fields: Record<string, unknown>) => template({ containers: [{ name: 'c', ...fields }] });

describe('pod-spec facts', () => {
  it.each<[string, unknown, PodSpecFact]>([
    ['a privileged container', container({ securityContext: { privileged: true } }), 'privileged'],
    [
      'a privileged init container',
      template({ initContainers: [{ securityContext: { privileged: true } }] }),
      'privileged',
    ],
    ['a hostPath volume', template({ volumes: [{ name: 'h', hostPath: { path: '/' } }] }), 'hostPath'],
    ['hostPID', template({ hostPID: true }), 'hostNamespaces'],
    ['hostNetwork', template({ hostNetwork: true }), 'hostNamespaces'],
    ['hostIPC', template({ hostIPC: true }), 'hostNamespaces'],
    [
      'an added capability',
      container({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }),
      'addedCapabilities',
    ],
    ['a secret volume', template({ volumes: [{ name: 's', secret: { secretName: 'db' } }] }), 'secretMounts'],
    [
      'a projected secret',
      template({ volumes: [{ projected: { sources: [{ secret: { name: 'db' } }] } }] }),
      'secretMounts',
    ],
    [
      'an env secretKeyRef',
      container({ env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'p' } } }] }),
      'secretMounts',
    ],
    ['an envFrom secretRef', container({ envFrom: [{ secretRef: { name: 'db' } }] }), 'secretMounts'],
    // Go's YAML decoder reads YAML 1.1 booleans in apply patches sent as YAML.
    ['hostNetwork: yes (YAML 1.1)', template({ hostNetwork: 'yes' }), 'hostNamespaces'],
    ['a differently cased key', template({ HostPID: true }), 'hostNamespaces'],
  ])('finds %s, wherever the pod spec sits', (_what, body, fact) => {
    expect(factsOf(body)).toEqual([fact]);
    // The same spec in a CronJob's job template, and in a custom resource that embeds one.
    expect(factsOf({ spec: { jobTemplate: body } }, { apiGroup: 'batch', resource: 'cronjobs' })).toEqual([
      fact,
    ]);
    expect(
      factsOf({ spec: { workers: [body] } }, { apiGroup: 'example.com', resource: 'pipelines' }),
    ).toEqual([fact]);
  });

  it('finds nothing in an ordinary pod, or in fields that turn the risky ones off', () => {
    const ordinary = {
      metadata: { labels: { privileged: 'true', secret: 'x' }, annotations: { hostPath: '/' } },
      spec: {
        hostPID: false,
        hostNetwork: null,
        containers: [
          {
            name: 'c',
            image: 'busybox',
            securityContext: { privileged: false, capabilities: { add: [], drop: ['ALL'] } },
          },
        ],
        volumes: [
          { name: 'cfg', configMap: { name: 'app' } },
          { name: 'h', hostPath: null },
        ],
        imagePullSecrets: [{ name: 'registry' }],
      },
    };
    expect(factsOf(ordinary, pods)).toEqual([]);
  });

  it('ignores the data of ConfigMaps and Secrets, which never configure a pod', () => {
    const data = { data: { privileged: 'true', hostPID: 'yes' } };
    expect(factsOf(data, { apiGroup: '', resource: 'configmaps' })).toEqual([]);
    expect(factsOf({ data: { secret: { a: 1 } } }, { apiGroup: '', resource: 'secrets' })).toEqual([]);
  });

  describe('JSON patches: what each op writes, at its path', () => {
    it.each<[string, unknown[], PodSpecFact[]]>([
      ['add hostPID', [{ op: 'add', path: '/spec/template/spec/hostPID', value: true }], ['hostNamespaces']],
      [
        'append a hostPath volume',
        [{ op: 'add', path: '/spec/template/spec/volumes/-', value: { hostPath: { path: '/' } } }],
        ['hostPath'],
      ],
      [
        'set a hostPath field',
        [{ op: 'replace', path: '/spec/volumes/0/hostPath/path', value: '/' }],
        ['hostPath'],
      ],
      [
        'replace privileged',
        [{ op: 'replace', path: '/spec/containers/0/securityContext/privileged', value: true }],
        ['privileged'],
      ],
      [
        'append a capability',
        [{ op: 'add', path: '/spec/containers/0/securityContext/capabilities/add/-', value: 'SYS_ADMIN' }],
        ['addedCapabilities'],
      ],
      [
        'name a secret through an escaped key',
        [{ op: 'add', path: '/spec/volumes/0/secret/secret~1Name', value: 'db' }],
        ['secretMounts'],
      ],
      [
        'replace the whole template',
        [{ op: 'replace', path: '/spec/template', value: { spec: { hostIPC: true } } }],
        ['hostNamespaces'],
      ],
      [
        'copy (its value comes from the live object)',
        [{ op: 'copy', from: '/spec/a', path: '/spec/b' }],
        [...POD_SPEC_FACTS],
      ],
      ['move', [{ op: 'move', from: '/spec/a', path: '/spec/b' }], [...POD_SPEC_FACTS]],
      [
        'a path that is not a pointer',
        [{ op: 'add', path: 'spec/hostPID', value: true }],
        [...POD_SPEC_FACTS],
      ],
      [
        'an op kube-apiserver does not know',
        [{ op: 'merge', path: '/spec', value: {} }],
        [...POD_SPEC_FACTS],
      ],
      [
        'harmless ops',
        [
          { op: 'remove', path: '/spec/template/spec/hostPID' },
          { op: 'test', path: '/spec/template/spec/hostPID', value: true },
          { op: 'replace', path: '/spec/replicas', value: 3 },
          { op: 'add', path: '/spec/template/spec/hostPID', value: false },
        ],
        [],
      ],
    ])('%s', (_what, ops, facts) => {
      expect(factsOf(ops)).toEqual([...facts].sort());
    });

    it('handles a path with more segments than a recursive walk could', () => {
      const path = `/spec${'/a'.repeat(100_000)}/hostPID`;
      expect(factsOf([{ op: 'add', path, value: true }])).toEqual(['hostNamespaces']);
    });
  });

  it('assumes every fact for a body it cannot read, and none without a body', () => {
    expect([...podSpecFacts(pods, { kind: 'unreadable' })].sort()).toEqual([...POD_SPEC_FACTS].sort());
    expect([...podSpecFacts(pods, { kind: 'none' })]).toEqual([]);
  });
});
