/**
 * The fake API server decodes kubectl's protobuf bodies as kube-apiserver does. For every generator, real kubectl
 * runs directly against the fake: the body it sent must decode to exactly kubectl's own JSON of the same object
 * (`--dry-run=client -o json`, Go's encoding of the struct kubectl serialised), and the object the fake answers
 * with must be that object plus only server-set fields.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeObjectBody, mediaTypeOf } from '../support/fake-apiserver/content.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { generatorCases, PROTOBUF, withFlags, writeGeneratorFiles } from '../support/kubectl-generators.js';
import { directKubectl, type KubectlResult } from '../support/kubectl.js';

let fake: FakeApiServer;
let kubectl: (args: readonly string[]) => Promise<KubectlResult>;
const dir = mkdtempSync(join(tmpdir(), 'fake-protobuf-'));

beforeAll(async () => {
  fake = await startFakeApiServer();
  kubectl = await directKubectl(fake, dir);
  await writeGeneratorFiles(dir);
});

afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

/** kubectl's object minus `creationTimestamp: null`, which kube-apiserver always sets. */
function sentFields(object: Record<string, unknown>): Record<string, unknown> {
  const { creationTimestamp, ...metadata } = object.metadata as Record<string, unknown>;
  void creationTimestamp;
  return { ...object, metadata };
}

describe('kubectl generators directly against the fake', () => {
  it.each(generatorCases(dir, 'not-a-real-password').map((c) => [c.title, c] as const))(
    '%s',
    async (_, c) => {
      const reference =
        c.body ?? JSON.parse((await kubectl(withFlags(c.args, '--dry-run=client', '-o', 'json'))).stdout);
      fake.requests.length = 0;
      const run = await kubectl(c.body ? c.args : withFlags(c.args, '-o', 'json'));
      const post = fake.requests.find((r) => r.method === 'POST' && r.path === c.path);
      expect(post, `${c.title}: POST ${c.path}`).toBeDefined();
      expect(mediaTypeOf(post!.headers['content-type']?.[0])).toBe(
        c.sendsJson ? 'application/json' : PROTOBUF,
      );
      expect(decodeObjectBody(post!.body, post!.headers['content-type']?.[0]), c.title).toEqual(reference);
      if (!c.body) {
        expect(run.code, run.stderr).toBe(0);
        // The answer holds every field kubectl sent, unchanged; the server adds only its own (uid, defaults, status).
        expect(JSON.parse(run.stdout), c.title).toMatchObject(sentFields(reference));
      }
    },
  );
});
