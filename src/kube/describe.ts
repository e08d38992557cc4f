/** What a classified request targets, for people: one wording shared by the terminal, logs, cards and recordings. */
export interface RequestTargetParts {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

/** `delete deployments.apps prod/web`, `create pods.exec prod/web` → `create pods/exec prod/web`, `get /version`. */
export function describeRequest(r: RequestTargetParts): string {
  if (!r.resource) return `${r.verb} ${r.path}`;
  const kind = `${r.resource}${r.apiGroup ? `.${r.apiGroup}` : ''}${r.subresource ? `/${r.subresource}` : ''}`;
  // For a namespace, RequestInfo's namespace is the object's own name: say it once.
  const namespace = r.resource === 'namespaces' && !r.apiGroup ? '' : r.namespace;
  const object = [namespace, r.name].filter(Boolean).join('/');
  return `${r.verb} ${kind}${object ? ` ${object}` : ''}`;
}
