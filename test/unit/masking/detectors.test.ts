import { describe, expect, it } from 'vitest';
import {
  createMasker,
  defaultMaskingConfig,
  DETECTOR_NAMES,
  MASKED_TEXT,
  type DetectorName,
} from '../../../src/masking/index.js';

const { maskText } = createMasker(defaultMaskingConfig());
const M = MASKED_TEXT;

// Built by concatenation so the file itself does not look like it carries live credentials.
const PEM_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nVJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1G\n';
const pem = (label: string) => `-----BEGIN ${label}-----\n${PEM_BODY}-----END ${label}-----`;
/** A PEM block as kubeconfigs carry it (`client-key-data`): the whole block base64-encoded, on one line. */
const pemBase64 = (label: string) => Buffer.from(`${pem(label)}\n`).toString('base64');
/** The same, as `base64` prints it: wrapped at 76 columns. */
const wrapped = (b64: string) => b64.match(/.{1,76}/g)!.join('\n');
const AWS_ID = 'AKIA' + 'IOSFODNN7EXAMPLE';
const SLACK = 'xoxb-' + '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
const GITHUB = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const GITHUB_FINE = 'github_pat_' + '11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS';
const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0' +
  '.eyJzdWIiOiJhZ2VudCIsImV4cCI6MTcwMDAwMDAwMH0' +
  '.c2lnbmF0dXJlLWJ5dGVz_-x';

const positives: [DetectorName, string, string][] = [
  ['private-key', `key: ${pem('RSA PRIVATE KEY')} end`, `key: ${M} end`],
  ['private-key', pem('PRIVATE KEY'), M],
  ['private-key', pem('OPENSSH PRIVATE KEY'), M],
  ['private-key', pem('ENCRYPTED PRIVATE KEY'), M],
  // Escaped newlines, as in a JSON log line.
  ['private-key', `{"k":"${pem('EC PRIVATE KEY').replace(/\n/g, '\\n')}"}`, `{"k":"${M}"}`],
  // Truncated output: masked to the end of the body.
  ['private-key', `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}`, M],
  // Base64-encoded whole, in each of the three alignments `PRIVATE KEY` can take.
  [
    'private-key',
    `client-key-data: ${pemBase64('RSA PRIVATE KEY')}\nnext: x`,
    `client-key-data: ${M}\nnext: x`,
  ],
  ['private-key', `{"key":"${pemBase64('PRIVATE KEY')}"}`, `{"key":"${M}"}`],
  ['private-key', `k=${pemBase64('OPENSSH PRIVATE KEY')} rest`, `k=${M} rest`],
  // Right after a `/` (a request path), which is itself a base64 character.
  ['private-key', `/configmaps/${pemBase64('RSA PRIVATE KEY')}`, `/configmaps/${M}`],
  ['private-key', `${wrapped(pemBase64('EC PRIVATE KEY'))}\n`, `${M}\n`],
  ['private-key', `"${wrapped(pemBase64('ENCRYPTED PRIVATE KEY')).replace(/\n/g, '\\n')}"`, `"${M}"`],
  ['gcp-key', '{\\"private_key_id\\": \\"' + 'b'.repeat(40) + '\\"}', `{\\"private_key_id\\": \\"${M}\\"}`],
  [
    'gcp-key',
    '{"type":"service_account","private_key_id":"' +
      'a'.repeat(40) +
      '","private_key":"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n","client_email":"x@p.iam.gserviceaccount.com"}',
    `{"type":"service_account","private_key_id":"${M}","private_key":"${M}","client_email":"x@p.iam.gserviceaccount.com"}`,
  ],
  ['aws-access-key', `AWS_ACCESS_KEY_ID=${AWS_ID}`, `AWS_ACCESS_KEY_ID=${M}`],
  ['aws-access-key', `id "ASIA${'Y3FMTQWERTYUIOPA'}" used`, `id "${M}" used`],
  ['slack-token', `token=${SLACK}`, `token=${M}`],
  ['slack-token', 'xoxp-' + '9876543210-abcdef', M],
  ['github-token', `GH=${GITHUB}`, `GH=${M}`],
  ['github-token', `git clone https://x:${GITHUB}@github.com/a/b`, `git clone https://x:${M}@github.com/a/b`],
  ['github-token', GITHUB_FINE, M],
  // Two tokens back to back: the second one's body must not survive the first match.
  ['github-token', `${GITHUB}${GITHUB.replace('ghp_', 'gho_')} next`, `${M} next`],
  // Glued to a preceding word character (a key or variable name run into the value).
  ['github-token', `token${GITHUB}`, `token${M}`],
  ['jwt', `token ${JWT} expired`, `token ${M} expired`],
  [
    'connection-string-password',
    'postgres://app:s3cret@db.prod:5432/app',
    `postgres://app:${M}@db.prod:5432/app`,
  ],
  ['connection-string-password', 'redis://:p@ss@cache:6379/0', `redis://:${M}@cache:6379/0`],
  [
    'connection-string-password',
    'mongodb+srv://u:pw@c.mongodb.net,amqp://g:q@mq',
    `mongodb+srv://u:${M}@c.mongodb.net,amqp://g:${M}@mq`,
  ],
  ['generic-bearer', 'Authorization: Bearer abcDEF0123456789xyz==', `Authorization: Bearer ${M}`],
  ['generic-bearer', 'authorization: bearer sha256~AbCdEfGhIjKlMnOpQr', `authorization: bearer ${M}`],
  ['generic-bearer', 'AUTHORIZATION: BEARER abcDEF0123456789xyz', `AUTHORIZATION: BEARER ${M}`],
  [
    'generic-bearer',
    'curl -H "authorization: BeArEr abcDEF0123456789xyz"',
    `curl -H "authorization: BeArEr ${M}"`,
  ],
];

const negatives: [string, string][] = [
  ['ordinary words', 'The password must be rotated; bearer of bad news; tokens, keys and secrets.'],
  ['image names', 'ghcr.io/acme/api:1.4.2 docker.io/library/postgres:16-alpine quay.io/ghp_tools/x:latest'],
  [
    'UIDs and resource versions',
    '0b5c9d2e-4f1a-4c61-9a57-3e2f8d6b1a90 resourceVersion=884213 sha256:9f86d081884c7d65',
  ],
  [
    'URLs without a password',
    'https://kubernetes.default.svc:443/api/v1 http://host:8080/path@v2 git@github.com:a/b',
  ],
  ['uppercase words near AKIA/ASIA', 'ASIA-PACIFIC region AKIA is not a key AKIAIOSFODNN7 ASIAEXAMPLE'],
  ['short eyJ and xox fragments', 'eyJhbGci xox-test xoxb- ghp_short gho_'],
  ['PEM public material', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
  [
    'a base64-encoded certificate (kubeconfig CA data, webhook caBundle)',
    `certificate-authority-data: ${pemBase64('CERTIFICATE')}`,
  ],
  ['the GCP field name without a value', 'set private_key in the key file'],
];

describe('detectors', () => {
  it.each(positives)('%s masks %j', (_name, input, expected) => {
    expect(maskText(input)).toBe(expected);
  });

  it.each(negatives)('leaves %s alone', (_why, input) => {
    expect(maskText(input)).toBe(input);
  });

  // The first example of each detector is one that no other detector catches.
  it.each(DETECTOR_NAMES.map((name) => [name]))(
    'switching %s off leaves its own example untouched',
    (name) => {
      const [, input, expected] = positives.find(([detector]) => detector === name) ?? ['', '', ''];
      const others = createMasker({
        ...defaultMaskingConfig(),
        detectors: DETECTOR_NAMES.filter((d) => d !== name),
      });
      const alone = createMasker({ ...defaultMaskingConfig(), detectors: [name] });
      expect(input).not.toBe('');
      expect(others.maskText(input)).toBe(input);
      expect(alone.maskText(input)).toBe(expected);
    },
  );

  it('does nothing when every detector is switched off', () => {
    const none = createMasker({ ...defaultMaskingConfig(), detectors: [] });
    expect(none.maskText(`AWS ${AWS_ID}`)).toBe(`AWS ${AWS_ID}`);
  });

  it('stays linear on long runs that almost match', () => {
    const runs = ['a'.repeat(200_000) + '://', 'eyJ' + 'a'.repeat(200_000), 'x://' + 'b'.repeat(200_000)];
    const started = performance.now();
    for (const run of runs) maskText(run);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('request queries', () => {
  const { maskQuery } = createMasker(defaultMaskingConfig());

  it('masks names and values, keeping order and repeated names', () => {
    const query = new URLSearchParams([
      ['command', 'curl'],
      ['command', `-H=Authorization: Bearer ${'x'.repeat(20)}`],
      [GITHUB, '1'],
    ]);
    expect([...maskQuery(query)]).toEqual([
      ['command', 'curl'],
      ['command', `-H=Authorization: Bearer ${M}`],
      [M, '1'],
    ]);
  });

  it('returns the same query when nothing is masked', () => {
    const query = new URLSearchParams('labelSelector=app%3Dweb&limit=500');
    expect(maskQuery(query)).toBe(query);
    const empty = new URLSearchParams();
    expect(maskQuery(empty)).toBe(empty);
  });
});
