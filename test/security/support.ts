/** Shared set-up of the security suite: an allow-everything policy (masking stays on) and a planted canary. */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { KubeObject } from '../support/fake-apiserver/index.js';
import type { Harness } from '../support/airlock-harness.js';

/** The secret value no response, recording or log line may ever contain, in any encoding. */
export const CANARY = 'edge-canary-9Fq2-never-leak';
export const CANARY_FORMS = [CANARY, Buffer.from(CANARY).toString('base64')];

export const ALLOW_ALL_POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
  - name: everything
    match: {}
    action: allow
    recording: { level: request-response }
`;

export const canarySecret = (name = 'db'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default' },
  type: 'Opaque',
  data: { password: Buffer.from(CANARY).toString('base64') },
});

export function expectNoCanary(text: string, where: string): void {
  for (const form of CANARY_FORMS) {
    expect(text.includes(form), `${where} contains the canary (${form})`).toBe(false);
  }
}

/** Every recorded event row and every log line, scanned for the canary. */
export async function expectNoCanaryStored(h: Harness): Promise<void> {
  await new Promise((r) => setTimeout(r, 100)); // one recorder batch
  const events: unknown[] = await h.airlock.db('events').select();
  expectNoCanary(JSON.stringify(events), 'the session store');
  expectNoCanary(h.logs.join('\n'), "Airlock's log");
}

export const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** A GET straight to the fake API server, to compare with what Airlock relays. */
export async function fetchDirect(
  h: Harness,
  path: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const { default: https } = await import('node:https');
  return new Promise((resolve, reject) => {
    https
      .get(
        `${h.fake.url}${path}`,
        { ca: h.fake.caPem, headers: { authorization: `Bearer ${h.fake.token}`, ...headers } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      )
      .on('error', reject);
  });
}
