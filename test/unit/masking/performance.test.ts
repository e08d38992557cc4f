import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION } from '../../../src/masking/document.js';
import { createMasker, defaultMaskingConfig, MASKED_BASE64 } from '../../../src/masking/index.js';
import { b64, CANARY } from './fixtures.js';

const SECRETS = 2_000;

/** About 10 KB per Secret, like TLS material plus a few credentials; created by `kubectl apply`. */
function realisticSecret(i: number): Record<string, unknown> {
  const data: Record<string, string> = {
    'tls.crt': b64(`${CANARY}-${i}-`.padEnd(3_000, 'c')),
    'tls.key': b64(`${CANARY}-${i}-`.padEnd(1_600, 'k')),
    password: b64(`${CANARY}-${i}`),
  };
  const manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `s-${i}`, namespace: 'prod' },
    data,
  };
  return {
    metadata: {
      name: `s-${i}`,
      namespace: 'prod',
      uid: `0b5c9d2e-4f1a-4c61-9a57-${String(i).padStart(12, '0')}`,
      resourceVersion: String(100_000 + i),
      labels: { app: 'api', 'app.kubernetes.io/part-of': 'shop' },
      annotations: { [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(manifest)}\n` },
      managedFields: [
        { manager: 'kubectl-client-side-apply', operation: 'Update', fieldsV1: { 'f:data': {} } },
      ],
    },
    type: 'kubernetes.io/tls',
    data,
  };
}

describe('a LIST of 2,000 Secrets', () => {
  // Timing is the benchmark's business (`npm run bench`); this prints it and checks the masking.
  it('is masked completely', () => {
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'SecretList',
      metadata: { resourceVersion: '200000' },
      items: Array.from({ length: SECRETS }, (_, i) => realisticSecret(i)),
    });
    const masker = createMasker(defaultMaskingConfig());

    const started = performance.now();
    const parsed = JSON.parse(body) as unknown;
    const parsedAt = performance.now();
    const masked = masker.maskDocument(parsed) as { items: { data: Record<string, string> }[] };
    const maskedAt = performance.now();
    const output = JSON.stringify(masked);
    const finished = performance.now();

    const ms = (from: number, to: number): string => `${(to - from).toFixed(0)} ms`;
    console.log(
      `${SECRETS} Secrets, ${(body.length / 1e6).toFixed(1)} MB: parse ${ms(started, parsedAt)}, ` +
        `mask ${ms(parsedAt, maskedAt)}, serialise ${ms(maskedAt, finished)}`,
    );

    expect(body.length).toBeGreaterThan(15e6);
    expect(output).not.toContain(b64(CANARY).slice(0, 24));
    expect(output).not.toContain(CANARY);
    expect(masked.items).toHaveLength(SECRETS);
    expect(masked.items.every((item) => Object.values(item.data).every((v) => v === MASKED_BASE64))).toBe(
      true,
    );
  });
});
