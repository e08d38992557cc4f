import { describe, expect, it } from 'vitest';
import { kubectlEquivalent, shellQuote, type KubectlSource } from '../../../src/recording/kubectl.js';

function event(overrides: Partial<KubectlSource>): KubectlSource {
  return {
    method: 'GET',
    path: '/api/v1/namespaces/prod/pods',
    query: '',
    verb: 'list',
    apiGroup: '',
    resource: 'pods',
    subresource: '',
    namespace: 'prod',
    name: '',
    dryRun: false,
    ...overrides,
  };
}

describe('kubectlEquivalent', () => {
  it.each<[string, Partial<KubectlSource>, string]>([
    ['a named get', { verb: 'get', name: 'web' }, 'kubectl get pod web -n prod'],
    [
      'a list with selectors',
      { query: 'labelSelector=app%3Dweb&fieldSelector=status.phase%3DRunning' },
      'kubectl get pod -n prod -l app=web --field-selector status.phase=Running',
    ],
    ['a list across namespaces', { namespace: '' }, 'kubectl get pod -A'],
    ['a cluster-scoped list', { resource: 'nodes', namespace: '' }, 'kubectl get node'],
    ['a watch', { verb: 'watch', query: 'watch=true' }, 'kubectl get pod -n prod --watch'],
    [
      'a delete in a named group',
      { method: 'DELETE', verb: 'delete', apiGroup: 'apps', resource: 'deployments', name: 'web' },
      'kubectl delete deployment web -n prod',
    ],
    [
      'a server-side dry-run delete',
      {
        method: 'DELETE',
        verb: 'delete',
        apiGroup: 'apps',
        resource: 'deployments',
        name: 'web',
        dryRun: true,
      },
      'kubectl delete deployment web -n prod --dry-run=server',
    ],
    [
      'a collection delete',
      { method: 'DELETE', verb: 'deletecollection' },
      'kubectl delete pod -n prod --all',
    ],
    ['a create', { method: 'POST', verb: 'create' }, 'kubectl create -n prod -f -'],
    ['an update', { method: 'PUT', verb: 'update', name: 'web' }, 'kubectl replace -n prod -f -'],
    [
      'a patch',
      { method: 'PATCH', verb: 'patch', name: 'web' },
      'kubectl patch pod web -n prod --patch-file /dev/stdin',
    ],
    [
      'a custom resource',
      { verb: 'get', apiGroup: 'cert-manager.io', resource: 'certificates', name: 'tls' },
      'kubectl get certificates.cert-manager.io tls -n prod',
    ],
    [
      'an exec with a quoted command',
      {
        verb: 'get',
        name: 'web',
        subresource: 'exec',
        query: 'command=sh&command=-c&command=cat+%2Fetc%2Fpasswd+%7C+wc&stdin=true&tty=true&container=app',
      },
      "kubectl exec -i -t web -n prod -c app -- sh -c 'cat /etc/passwd | wc'",
    ],
    [
      'logs',
      { verb: 'get', name: 'web', subresource: 'log', query: 'follow=true&tailLines=50&container=app' },
      'kubectl logs web -n prod -c app -f --tail=50',
    ],
    [
      'a port-forward',
      { verb: 'create', method: 'POST', name: 'web', subresource: 'portforward', query: 'ports=8080' },
      'kubectl port-forward pod/web -n prod 8080',
    ],
    [
      'a status read',
      { verb: 'get', apiGroup: 'apps', resource: 'deployments', name: 'web', subresource: 'status' },
      'kubectl get deployment web -n prod --subresource=status',
    ],
    [
      'a non-resource read',
      { resource: '', namespace: '', verb: 'get', path: '/version' },
      'kubectl get --raw /version',
    ],
  ])('renders %s', (_case, overrides, expected) => {
    expect(kubectlEquivalent(event(overrides))).toBe(expected);
  });

  it('has none for requests kubectl cannot express', () => {
    expect(kubectlEquivalent(event({ verb: 'get', name: 'web', subresource: 'proxy' }))).toBeUndefined();
    expect(
      kubectlEquivalent(event({ resource: '', namespace: '', method: 'POST', verb: 'post', path: '/apis' })),
    ).toBeUndefined();
  });
});

describe('shellQuote', () => {
  it('leaves safe words bare and single-quotes the rest, escaping quotes', () => {
    expect(shellQuote('app=web')).toBe('app=web');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('$(rm -rf /)')).toBe("'$(rm -rf /)'");
  });
});
