/** `serviceaccounts/token`: mints an opaque fake token, so masking of `status.token` can be tested. */
import { randomBytes } from 'node:crypto';
import { isRecord } from './json.js';
import type { KubeObject } from './objects.js';

const DEFAULT_EXPIRATION_SECONDS = 3600;

export function tokenRequestFor(serviceAccount: KubeObject, body: unknown, now: Date): object {
  const spec = isRecord(body) && isRecord(body.spec) ? body.spec : {};
  const expirationSeconds =
    typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : DEFAULT_EXPIRATION_SECONDS;
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: serviceAccount.metadata.name, namespace: serviceAccount.metadata.namespace },
    spec: {
      audiences: Array.isArray(spec.audiences) ? spec.audiences : [],
      expirationSeconds,
      boundObjectRef: null,
    },
    status: {
      token: `fake-sa-token.${randomBytes(24).toString('base64url')}`,
      expirationTimestamp: new Date(now.getTime() + expirationSeconds * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
    },
  };
}
