/**
 * The Kubernetes manifests under deploy/ render with kustomize (kubectl's, offline) and every object validates against
 * the Kubernetes JSON schemas (kubernetes-models); the configuration they mount is one Airlock accepts.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { configSchema } from '../../src/config/schema.js';
import { KUBECTL } from '../support/kubectl.js';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes');

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

async function render(dir: string): Promise<KubeObject[]> {
  const { stdout } = await promisify(execFile)(KUBECTL, ['kustomize', join(DEPLOY, dir)]);
  return parseAllDocuments(stdout).map((d) => d.toJS() as KubeObject);
}

/** kubernetes-models publishes one module per group/version: `v1` for core, `<group>/<version>` otherwise. */
async function validate(object: KubeObject): Promise<void> {
  const module = (await import(`kubernetes-models/${object.apiVersion}`)) as Record<
    string,
    new (data: unknown) => { validate(): void }
  >;
  const Model = module[object.kind];
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

describe.each(['base', 'overlays/example'])('deploy/kubernetes/%s', (dir) => {
  it('renders, and every object matches its schema', async () => {
    const objects = await render(dir);
    expect(objects.map((o) => o.kind).sort()).toEqual(
      expect.arrayContaining([
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Service',
        'ServiceAccount',
      ]),
    );
    for (const object of objects) await validate(object);
  });

  it('runs two non-root replicas with probes, a read-only root filesystem and resource requests', async () => {
    const deployment = (await render(dir)).find((o) => o.kind === 'Deployment') as unknown as {
      spec: {
        replicas: number;
        template: {
          spec: {
            securityContext: { runAsNonRoot: boolean };
            containers: {
              readinessProbe: unknown;
              livenessProbe: unknown;
              resources: { requests: unknown };
              securityContext: { readOnlyRootFilesystem: boolean };
            }[];
          };
        };
      };
    };
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const [container] = pod.containers;
    expect(container?.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container?.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' } });
    expect(container?.livenessProbe).toMatchObject({ httpGet: { path: '/healthz' } });
    expect(container?.resources.requests).toBeDefined();
  });

  it('mounts a configuration Airlock accepts (TLS files aside, which exist only in the pod)', async () => {
    const configMap = (await render(dir)).find((o) => o.kind === 'ConfigMap') as unknown as {
      data: Record<string, string>;
    };
    const result = configSchema.safeParse(parseYaml(configMap.data['airlock.yaml']!));
    const issues = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues.filter((i) => !/^proxy\.tls\.(cert|key)File: file .* does not exist$/.test(i))).toEqual([]);
  });

  it('selects Airlock’s pods wherever a selector decides who is protected or reached', async () => {
    const objects = (await render(dir)) as unknown as {
      kind: string;
      spec: { selector?: unknown; podSelector?: unknown };
    }[];
    const airlockPods = { 'app.kubernetes.io/name': 'airlock' };
    const selectorOf = (kind: string) => objects.find((o) => o.kind === kind)?.spec;
    // Without these a NetworkPolicy would govern every pod in the namespace, and a PDB protect none.
    expect(selectorOf('NetworkPolicy')?.podSelector).toMatchObject({ matchLabels: airlockPods });
    expect(selectorOf('PodDisruptionBudget')?.selector).toMatchObject({ matchLabels: airlockPods });
    expect(selectorOf('Service')?.selector).toMatchObject(airlockPods);
    expect(selectorOf('Deployment')?.selector).toMatchObject({ matchLabels: airlockPods });
  });

  it('grants Airlock impersonation and reads only', async () => {
    const role = (await render(dir)).find((o) => o.kind === 'ClusterRole') as unknown as {
      rules: { verbs: string[] }[];
    };
    expect(new Set(role.rules.flatMap((r) => r.verbs))).toEqual(new Set(['impersonate', 'get', 'list']));
  });
});
