/**
 * kubectl's generators through Airlock: their protobuf bodies are decoded by the cluster (here the fake, which
 * decodes protobuf like kube-apiserver) and policy decides on the decoded object — the same decision as for the JSON
 * form of the same object — while a Secret's value never reaches the recording.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import type { KubeObject } from '../support/fake-apiserver/index.js';
import {
  generatorCases,
  withFlags,
  writeGeneratorFiles,
  type GeneratorCase,
} from '../support/kubectl-generators.js';
import { directKubectl, type KubectlResult } from '../support/kubectl.js';
import { ALLOW_ALL_POLICY, CANARY, expectNoCanary, expectNoCanaryStored } from '../security/support.js';

const DENIED_MESSAGE = "privileged pods leave Airlock's view";
const POLICY = ALLOW_ALL_POLICY.replace(
  'rules:\n',
  `rules:\n  - name: no-privileged-pods\n    match: { podSpec: [privileged] }\n    action: deny\n    message: ${DENIED_MESSAGE}\n`,
);

const cronJob = (name: string, securityContext: Record<string, unknown>): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name, namespace: 'default' },
  spec: {
    schedule: '0 * * * *',
    jobTemplate: {
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', securityContext }] },
        },
      },
    },
  },
});

/** What kubectl sent, minus what Airlock masks in answers (Secret data) and `creationTimestamp: null`. */
function comparable(object: Record<string, unknown>): Record<string, unknown> {
  const { creationTimestamp, ...metadata } = object.metadata as Record<string, unknown>;
  void creationTimestamp;
  const copy: Record<string, unknown> = { ...object, metadata };
  if (object.kind === 'Secret') delete copy.data;
  return copy;
}

describe('kubectl generators through Airlock', () => {
  let h: Harness;
  let direct: (args: readonly string[]) => Promise<KubectlResult>;

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY });
    await writeGeneratorFiles(h.dir);
    h.fake.seed(cronJob('benign', { runAsNonRoot: true }));
    h.fake.seed(cronJob('privileged', { privileged: true }));
    direct = await directKubectl(h.fake, h.dir);
  });
  afterAll(() => h.close());

  const cases = (): GeneratorCase[] => generatorCases(h.dir, CANARY);

  it('every generator succeeds with the object kubectl built, and fails exactly where it fails directly', async () => {
    for (const c of cases()) {
      if (c.body) {
        // No dry run for these: compare with the same command run straight at the fake.
        const [viaAirlock, straight] = [await h.kubectl(c.args), await direct(c.args)];
        expect([c.title, viaAirlock.code]).toEqual([c.title, straight.code]);
        continue;
      }
      const reference = JSON.parse(
        (await h.kubectl(withFlags(c.args, '--dry-run=client', '-o', 'json'))).stdout,
      );
      const run = await h.kubectl(withFlags(c.args, '-o', 'json'));
      expect(run.code, `${c.title}: ${run.stderr}`).toBe(0);
      expect(JSON.parse(run.stdout), c.title).toMatchObject(comparable(reference));
    }
  });

  it('the cluster got the Secret value exactly; the answer and the recording never show it', async () => {
    const stored = h.fake.getObject({
      group: '',
      version: 'v1',
      resource: 'secrets',
      namespace: 'default',
      name: 'db',
    });
    expect(stored?.data).toEqual({ password: Buffer.from(CANARY).toString('base64') });
    const answer = await h.kubectl(['get', 'secret', 'db', '-o', 'json']);
    expectNoCanary(answer.stdout, 'the answer to get secret');
    await expectNoCanaryStored(h);
  });

  it.each([
    ['benign', 0],
    ['privileged', 1],
  ])(
    'job --from=cronjob/%s: the protobuf form and the JSON form get the same decision',
    async (source, code) => {
      const protobuf = await h.kubectl(['create', 'job', `pb-${source}`, `--from=cronjob/${source}`]);
      const generated = await h.kubectl([
        'create',
        'job',
        `js-${source}`,
        `--from=cronjob/${source}`,
        '--dry-run=client',
        '-o',
        'json',
      ]);
      const json = await h.kubectl(['create', '-f', '-'], { input: generated.stdout });
      expect([protobuf.code, json.code]).toEqual([code, code]);
      for (const run of [protobuf, json]) {
        if (code === 0) expect(run.stderr).toBe('');
        else expect(run.stderr).toContain(DENIED_MESSAGE);
      }
      const stored = (name: string) =>
        h.fake.getObject({ group: 'batch', version: 'v1', resource: 'jobs', namespace: 'default', name }) !==
        undefined;
      expect([stored(`pb-${source}`), stored(`js-${source}`)]).toEqual([code === 0, code === 0]);
    },
  );
});
