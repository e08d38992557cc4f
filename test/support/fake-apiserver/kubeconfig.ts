/** Kubeconfig text pointing a client (kubectl, client-node, Airlock's upstream) at a server. */
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  token: string;
  /** Trust anchor; omitted when `insecure` is set. */
  caPem?: string;
  insecure?: boolean;
  namespace?: string;
}

export function renderKubeconfig(opts: KubeconfigOptions): string {
  const cluster = opts.insecure
    ? { server: opts.server, 'insecure-skip-tls-verify': true }
    : {
        server: opts.server,
        ...(opts.caPem ? { 'certificate-authority-data': Buffer.from(opts.caPem).toString('base64') } : {}),
      };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster }],
    users: [{ name: 'fake', user: { token: opts.token } }],
    contexts: [
      { name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: opts.namespace ?? 'default' } },
    ],
    'current-context': 'fake',
    preferences: {},
  });
}
