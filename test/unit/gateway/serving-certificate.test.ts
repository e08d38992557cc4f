import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadOrCreateServingCertificate,
  reusable,
  servingNames,
} from '../../../src/gateway/serving-certificate.js';

describe('the self-managed serving certificate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-cert-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is kept across starts while it covers the addresses, and replaced when they change', async () => {
    const first = await loadOrCreateServingCertificate(dir, ['10.0.0.5']);
    expect((await stat(join(dir, 'airlock-serving.key'))).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateServingCertificate(dir, ['10.0.0.5']);
    expect(again).toEqual(first);

    const moved = await loadOrCreateServingCertificate(dir, ['airlock.example.com']);
    expect(moved.certPem).not.toBe(first.certPem);
    expect(moved.caPem).toBe(first.caPem);
    const cert = new X509Certificate(moved.certPem);
    expect(cert.checkHost('airlock.example.com')).toBe('airlock.example.com');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('is not reused near expiry, for a name it lacks, or under another CA', async () => {
    const kept = await loadOrCreateServingCertificate(dir, ['airlock.example.com']);
    const { caPem } = kept;
    const names = servingNames(['airlock.example.com']);
    const now = new Date();
    expect(reusable(kept, caPem, names, now)).toBe(true);
    const validTo = new Date(new X509Certificate(kept.certPem).validTo);
    expect(reusable(kept, caPem, names, new Date(validTo.getTime() - 10 * 24 * 3600 * 1000))).toBe(false);
    expect(reusable(kept, caPem, [...names, 'other.example.com'], now)).toBe(false);
    expect(reusable(kept, kept.certPem, names, now)).toBe(false);
    expect(reusable({ ...kept, certPem: 'not a certificate' }, caPem, names, now)).toBe(false);
    // Another replica's key beside this certificate (each wrote one of the two files): not a pair.
    const other = await loadOrCreateServingCertificate(dir, ['elsewhere.example.com']);
    expect(reusable({ certPem: kept.certPem, keyPem: other.keyPem }, caPem, names, now)).toBe(false);
  });
});
