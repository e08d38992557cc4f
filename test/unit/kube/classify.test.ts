import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { classifyRequest, parseRequestInfo, splitClusterTarget } from '../../../src/kube/classify.js';
import { StatusError } from '../../../src/kube/status.js';

function classify(method: string, target: string, headers: IncomingHttpHeaders = {}, body?: string) {
  return classifyRequest({
    method,
    target,
    headers,
    ...(body !== undefined ? { body: Buffer.from(body) } : {}),
  });
}

function refusal(run: () => unknown): StatusError {
  try {
    run();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}

describe('parseRequestInfo: kube-apiserver requestinfo_test.go TestGetAPIRequestInfo', () => {
  // method, url, verb, apiPrefix, group, version, namespace, resource, subresource, name, parts
  const rows: [string, string, string, string, string, string, string, string, string, string, string[]][] = [
    ['GET', '/api/v1/namespaces', 'list', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
    [
      'GET',
      '/api/v1/namespaces/other',
      'get',
      'api',
      '',
      'v1',
      'other',
      'namespaces',
      '',
      'other',
      ['namespaces', 'other'],
    ],
    ['GET', '/api/v1/namespaces/other/pods', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    [
      'GET',
      '/api/v1/namespaces/other/pods/foo',
      'get',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      'foo',
      ['pods', 'foo'],
    ],
    [
      'HEAD',
      '/api/v1/namespaces/other/pods/foo',
      'get',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      'foo',
      ['pods', 'foo'],
    ],
    ['GET', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['HEAD', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    [
      'GET',
      '/api/v1/proxy/namespaces/other/pods/foo',
      'proxy',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      'foo',
      ['pods', 'foo'],
    ],
    [
      'GET',
      '/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource',
      'proxy',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      'foo',
      ['pods', 'foo', 'subpath', 'not', 'a', 'subresource'],
    ],
    ['GET', '/api/v1/watch/pods', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/pods?watch=true', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/pods?watch=false', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    [
      'GET',
      '/api/v1/watch/namespaces/other/pods',
      'watch',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      '',
      ['pods'],
    ],
    [
      'GET',
      '/api/v1/namespaces/other/pods?watch=1',
      'watch',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      '',
      ['pods'],
    ],
    [
      'GET',
      '/api/v1/namespaces/other/pods?watch=0',
      'list',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      '',
      ['pods'],
    ],
    [
      'GET',
      '/api/v1/namespaces/other/pods/foo/status',
      'get',
      'api',
      '',
      'v1',
      'other',
      'pods',
      'status',
      'foo',
      ['pods', 'foo', 'status'],
    ],
    [
      'GET',
      '/api/v1/namespaces/other/pods/foo/proxy/subpath',
      'get',
      'api',
      '',
      'v1',
      'other',
      'pods',
      'proxy',
      'foo',
      ['pods', 'foo', 'proxy', 'subpath'],
    ],
    [
      'PUT',
      '/api/v1/namespaces/other/finalize',
      'update',
      'api',
      '',
      'v1',
      'other',
      'namespaces',
      'finalize',
      'other',
      ['namespaces', 'other', 'finalize'],
    ],
    [
      'PUT',
      '/api/v1/namespaces/other/status',
      'update',
      'api',
      '',
      'v1',
      'other',
      'namespaces',
      'status',
      'other',
      ['namespaces', 'other', 'status'],
    ],
    [
      'PATCH',
      '/api/v1/namespaces/other/pods/foo',
      'patch',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      'foo',
      ['pods', 'foo'],
    ],
    [
      'DELETE',
      '/api/v1/namespaces/other/pods/foo',
      'delete',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      'foo',
      ['pods', 'foo'],
    ],
    ['POST', '/api/v1/namespaces/other/pods', 'create', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['DELETE', '/api/v1/nodes', 'deletecollection', 'api', '', 'v1', '', 'nodes', '', '', ['nodes']],
    [
      'DELETE',
      '/api/v1/namespaces',
      'deletecollection',
      'api',
      '',
      'v1',
      '',
      'namespaces',
      '',
      '',
      ['namespaces'],
    ],
    [
      'DELETE',
      '/api/v1/namespaces/other/pods',
      'deletecollection',
      'api',
      '',
      'v1',
      'other',
      'pods',
      '',
      '',
      ['pods'],
    ],
    [
      'DELETE',
      '/apis/extensions/v1/namespaces/other/pods',
      'deletecollection',
      'apis',
      'extensions',
      'v1',
      'other',
      'pods',
      '',
      '',
      ['pods'],
    ],
    [
      'POST',
      '/apis/extensions/v1/namespaces/other/pods',
      'create',
      'apis',
      'extensions',
      'v1',
      'other',
      'pods',
      '',
      '',
      ['pods'],
    ],
    [
      'POST',
      '/apis/extensions/v1beta3/namespaces/other/pods',
      'create',
      'apis',
      'extensions',
      'v1beta3',
      'other',
      'pods',
      '',
      '',
      ['pods'],
    ],
  ];

  it.each(rows)(
    '%s %s',
    (method, url, verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts) => {
      const { info } = classify(method, url);
      expect(info).toEqual({
        isResourceRequest: true,
        verb,
        apiPrefix,
        apiGroup,
        apiVersion,
        namespace,
        resource,
        subresource,
        name,
        parts,
      });
    },
  );

  it.each([
    ['/', 'no resource path'],
    ['/api/version/', 'just apiversion'],
    ['/apis/group/version/', 'just prefix, group, version'],
    ['/badprefix/version/resource', 'bad prefix'],
    ['/apis/version/resource', 'missing api group'],
    ['/apis/extensions/v1beta1', 'group without enough steps'],
    ['/api', 'one step'],
    ['/healthz', 'health'],
    ['/openapi/v3', 'openapi'],
  ])('%s is a non-resource request (%s) with the lower-cased method as verb', (url) => {
    const { info } = classify('POST', url);
    expect(info.isResourceRequest).toBe(false);
    expect(info.verb).toBe('post');
    expect(info.resource).toBe('');
  });

  it.each([
    ['/api/version/resource', true],
    ['/apis/group/version/resource/name/subresource', true],
    ['/apis/batch/v1/job/foo/scale', true],
    ['/not-api/version/resource', false],
  ])('TestGetNonAPIRequestInfo %s → resource request %s', (url, expected) => {
    expect(classify('GET', url).info.isResourceRequest).toBe(expected);
  });

  it('gives the empty verb for methods kube-apiserver does not map', () => {
    expect(classify('OPTIONS', '/api/v1/pods').info.verb).toBe('');
  });

  it('refuses a special verb with nothing after it, like kube-apiserver', () => {
    const err = refusal(() => classify('GET', '/api/v1/watch'));
    expect(err.code).toBe(400);
    expect(err.message).toContain('unable to determine kind and namespace');
  });
});

describe('parseRequestInfo: selector handling (TestSelectorParsing)', () => {
  const rows: [string, string, string, string, string | undefined, string | undefined][] = [
    // method, url, name, verb, fieldSelector, labelSelector
    ['GET', '/apis/group/version/resource', '', 'list', undefined, undefined],
    [
      'GET',
      '/apis/group/version/resource?fieldSelector=metadata.name=name1',
      'name1',
      'list',
      'metadata.name=name1',
      undefined,
    ],
    [
      'GET',
      '/apis/group/version/resource?watch=true&fieldSelector=metadata.name=name1',
      'name1',
      'watch',
      'metadata.name=name1',
      undefined,
    ],
    [
      'GET',
      '/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux',
      '',
      'list',
      'foo=bar',
      'baz=qux',
    ],
    [
      'GET',
      '/apis/group/version/resource?fieldSelector=metadata.name=name1,foo',
      '',
      'list',
      'metadata.name=name1,foo',
      undefined,
    ],
    [
      'GET',
      '/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=true',
      '',
      'watch',
      'metadata.name=name1,foo',
      undefined,
    ],
    [
      'GET',
      '/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=false',
      '',
      'list',
      'metadata.name=name1,foo',
      undefined,
    ],
    [
      'DELETE',
      '/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux',
      '',
      'deletecollection',
      'foo=bar',
      'baz=qux',
    ],
    [
      'GET',
      '/apis/group/version/resource?fieldSelector=metadata.name=foo&fieldSelector=metadata.name=bar&labelSelector=foo=bar&labelSelector=foo=baz',
      'foo',
      'list',
      'metadata.name=foo',
      'foo=bar',
    ],
    [
      'GET',
      '/apis/group/version/resource/name?fieldSelector=foo=bar&labelSelector=foo=bar',
      'name',
      'get',
      undefined,
      undefined,
    ],
    [
      'GET',
      '/apis/group/version/watch/resource?fieldSelector=metadata.name=foo&labelSelector=foo=bar',
      '',
      'watch',
      undefined,
      undefined,
    ],
    [
      'GET',
      '/apis/group/version/watch/resource/name?fieldSelector=metadata.name=foo&labelSelector=foo=bar',
      'name',
      'watch',
      undefined,
      undefined,
    ],
  ];

  it.each(rows)('%s %s', (method, url, name, verb, fieldSelector, labelSelector) => {
    const { info } = classify(method, url);
    expect({
      name: info.name,
      verb: info.verb,
      fieldSelector: info.fieldSelector,
      labelSelector: info.labelSelector,
    }).toEqual({
      name,
      verb,
      fieldSelector,
      labelSelector,
    });
  });

  it.each([
    ['fieldSelector=metadata.name%3D%3Dweb', 'web', '"==" is an exact match'],
    ['fieldSelector=metadata.name!%3Dweb', '', '"!=" is not'],
    ['fieldSelector=metadata.name%3Dweb%2Cstatus.phase%3DRunning', 'web', 'other terms may follow'],
    [
      'fieldSelector=metadata.name%3Db%2Cmetadata.name%3Da',
      'a',
      'terms are sorted before the first match wins',
    ],
    ['fieldSelector=metadata.name%3Da%5C%2Cb', 'a,b', 'escaped commas are data'],
    ['fieldSelector=metadata.name%3Da%5Cb', '', 'an invalid escape fails the whole selector'],
    ['fieldSelector=metadata.name%3D..', '', '".." is not a valid path segment name'],
    ['fieldSelector=metadata.name%3Da%2Fb', '', 'a name with "/" is not valid'],
    [
      'fieldSelector=metadata.name%3Dweb&limit=abc',
      '',
      'a limit that does not parse fails ListOptions decoding',
    ],
    ['fieldSelector=metadata.name%3Dweb&timeoutSeconds=', '', 'an empty timeoutSeconds fails decoding'],
    ['fieldSelector=metadata.name%3Dweb&limit=%2B500', 'web', 'Go ParseInt accepts a sign'],
    ['fieldSelector=metadata.name%3Dweb&limit=9223372036854775808', '', 'int64 overflow fails decoding'],
    [
      'fieldSelector=metadata.name%3Dweb&labelSelector=app%3Dx%2C!tier%2Cenv!%3Dprod',
      'web',
      'simple label selectors parse',
    ],
    ['fieldSelector=metadata.name%3Dweb&labelSelector=app%3D%3D', 'web', '"app==" (an empty value) is valid'],
    [
      'fieldSelector=metadata.name%3Dweb&labelSelector=app%3D%3D%3D',
      '',
      'an invalid label selector drops the name',
    ],
    ['fieldSelector=metadata.name%3Dweb&labelSelector=-app%3Dx', '', 'a key must start with an alphanumeric'],
    ['fieldSelector=metadata.name%3Dweb&labelSelector=in%3Dx', '', '"in" is a keyword, not a key'],
    [
      'fieldSelector=metadata.name%3Dweb&labelSelector=app+in+(a)',
      '',
      'set syntax is not verified: fail closed',
    ],
  ])('list ?%s → name %j (%s)', (query, name) => {
    expect(classify('GET', `/api/v1/namespaces/ns/secrets?${query}`).info.name).toBe(name);
  });
});

describe('watch query semantics (Convert_Slice_string_To_bool)', () => {
  it.each([
    ['watch=', 'watch'],
    ['watch=yes', 'watch'],
    ['watch=TRUE', 'watch'],
    ['watch=true', 'watch'],
    ['watch=1', 'watch'],
    ['watch', 'watch'],
    ['watch=0', 'list'],
    ['watch=false', 'list'],
    ['watch=FALSE', 'list'],
    ['watch=fAlSe', 'list'],
    ['watch=fal%C5%BFe', 'list'], // Go's EqualFold folds "ſ" to "s"
    ['watch=00', 'watch'],
    ['Watch=true', 'list'],
    ['watch=false&watch=true', 'list'],
    ['watch=true&watch=false', 'watch'],
    ['', 'list'],
  ])('GET /api/v1/pods?%s → %s', (query, verb) => {
    expect(classify('GET', `/api/v1/pods?${query}`).info.verb).toBe(verb);
  });

  it('keeps a named GET with watch=true a get', () => {
    expect(classify('GET', '/api/v1/namespaces/ns/pods/foo?watch=true').info).toMatchObject({
      verb: 'get',
      name: 'foo',
    });
  });
});

describe('strict targets (reference §1.3 pitfalls)', () => {
  it.each([
    ['/api/v1/namespaces/default/%73ecrets', 'percent-encoded bytes are not accepted in path segments'],
    ['/api/v1/namespaces/ns/pods/web%2Fexec', 'percent-encoded bytes'],
    ['/api/v1/namespaces/ns/pods/%2e%2e', 'percent-encoded bytes'],
    ['//api/v1/pods', 'must start with a single "/"'],
    ['/api/v1/namespaces//pods', 'empty path segments'],
    ['/api/v1/pods//', 'empty path segments'],
    ['/api/v1/namespaces/ns/./pods', '"." and ".." path segments'],
    ['/api/v1/namespaces/ns/../kube-system/secrets', '"." and ".." path segments'],
    ['/api/v1/namespaces/ns/pods/..', '"." and ".." path segments'],
    ['/api\\v1/pods', 'backslashes'],
    ['/api/v1/pods/caf\u00e9', 'printable ASCII'],
    ['/api/v1/pods/a b', 'printable ASCII'],
  ])('refuses %j', (target, problem) => {
    const err = refusal(() => classify('GET', target));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toContain(problem);
  });

  it('names the offending path in the exact words agents see', () => {
    expect(refusal(() => classify('GET', '/api/v1/namespaces/default/%73ecrets')).message).toBe(
      'request path "/api/v1/namespaces/default/%73ecrets" is ambiguous: percent-encoded bytes are not accepted in path segments',
    );
  });

  it.each([
    ['http://x/api/v1/pods', 'origin-form'],
    ['*', 'origin-form'],
    ['api/v1/pods', 'origin-form'],
    ['/api/v1/pods\u0000', 'control characters'],
    ['/api/v1/pods?watch=1\r\nX: y', 'control characters'],
    ['/api/v1/pods#frag', 'fragments'],
  ])('refuses the target %j', (target, problem) => {
    const err = refusal(() => classify('GET', target));
    expect(err.code).toBe(400);
    expect(err.message).toContain(problem);
  });

  it('allows percent-encoding in the query, which is decoded and re-serialised as a whole', () => {
    const request = classify('GET', '/api/v1/namespaces/ns/pods?labelSelector=app%3Dweb');
    expect(request.query.get('labelSelector')).toBe('app=web');
  });

  it('trims one trailing slash and rebuilds the path from the classified segments', () => {
    const request = classify('GET', '/api/v1/namespaces/x/pods/?limit=500');
    expect(request.path).toBe('/api/v1/namespaces/x/pods');
    expect(request.info).toMatchObject({ verb: 'list', namespace: 'x', resource: 'pods' });
    expect(request.query.get('limit')).toBe('500');
  });

  it('never changes case: /API/v1/pods stays a non-resource request', () => {
    const request = classify('GET', '/API/v1/pods');
    expect(request.path).toBe('/API/v1/pods');
    expect(request.info.isResourceRequest).toBe(false);
    expect(request.info.verb).toBe('get');
  });

  it('classifies the root path', () => {
    expect(classify('GET', '/')).toMatchObject({
      path: '/',
      info: { isResourceRequest: false, verb: 'get' },
    });
  });

  it('keeps the free-form proxy tail in the rebuilt path', () => {
    const request = classify('GET', '/api/v1/namespaces/ns/services/web:80/proxy/healthz/ready');
    expect(request.path).toBe('/api/v1/namespaces/ns/services/web:80/proxy/healthz/ready');
    expect(request.info).toMatchObject({ resource: 'services', name: 'web:80', subresource: 'proxy' });
  });
});

describe('dry run', () => {
  const deployment = '/apis/apps/v1/namespaces/ns/deployments';

  it.each([
    ['POST', deployment, 'dryRun=All', true],
    ['PUT', `${deployment}/web`, 'dryRun=All', true],
    ['PATCH', `${deployment}/web`, 'dryRun=All&dryRun=All', true],
    ['PATCH', `${deployment}/web/scale`, 'dryRun=All', true],
    ['POST', deployment, 'dryRun=all', false],
    ['POST', deployment, 'dryRun=All&dryRun=x', false],
    ['POST', deployment, 'dryRun=', false],
    ['POST', deployment, 'DryRun=All', false],
    ['POST', deployment, '', false],
    ['GET', `${deployment}/web`, 'dryRun=All', false],
    // Connect subresources ignore dryRun and act for real.
    ['POST', '/api/v1/namespaces/ns/pods/web/exec', 'dryRun=All&command=sh', false],
    ['POST', '/api/v1/namespaces/ns/services/web/proxy/admin', 'dryRun=All', false],
  ])('%s %s?%s → dryRun %s', (method, path, query, dryRun) => {
    expect(classify(method, `${path}?${query}`).dryRun).toBe(dryRun);
  });
});

describe('DELETE options (handlers/delete.go: a non-empty body wins over the query)', () => {
  const pod = '/api/v1/namespaces/ns/pods/web';
  const json = { 'content-type': 'application/json' };

  it('treats body {} with ?dryRun=All as a real delete', () => {
    const request = classify('DELETE', `${pod}?dryRun=All`, json, '{}');
    expect(request.dryRun).toBe(false);
    expect(request.deleteOptions).toEqual({});
  });

  it('reads dryRun from the body', () => {
    const request = classify(
      'DELETE',
      pod,
      json,
      '{"kind":"DeleteOptions","apiVersion":"v1","dryRun":["All"]}',
    );
    expect(request.dryRun).toBe(true);
    expect(request.deleteOptions).toEqual({ dryRun: ['All'] });
  });

  it('reads the query when there is no body', () => {
    const request = classify(
      'DELETE',
      `${pod}?dryRun=All&propagationPolicy=Foreground&gracePeriodSeconds=0&orphanDependents=false`,
    );
    expect(request.dryRun).toBe(true);
    expect(request.deleteOptions).toEqual({
      dryRun: ['All'],
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
      orphanDependents: false,
    });
  });

  it('treats an empty body like no body', () => {
    expect(classify('DELETE', `${pod}?dryRun=All`, json, '').dryRun).toBe(true);
  });

  it.each([
    ['?dryRun=all', undefined, false],
    ['?dryRun=All&dryRun=x', undefined, false],
    ['', '{"dryRun":["all"]}', false],
    ['', '{"dryRun":["All","x"]}', false],
    ['', '{"dryRun":[]}', false],
    ['', '{"dryRun":null}', false],
    ['', '{"DryRun":["All"]}', false],
    ['', '{"dryRun":["All"],"dryRun":[]}', false],
    ['', '{"dryRun":[],"dryRun":["All"]}', true],
  ])('DELETE%s with body %s → dryRun %s', (query, body, dryRun) => {
    expect(classify('DELETE', `${pod}${query}`, json, body).dryRun).toBe(dryRun);
  });

  it('applies to deletecollection too', () => {
    const request = classify('DELETE', '/api/v1/namespaces/ns/pods', json, '{"dryRun":["All"]}');
    expect(request.info.verb).toBe('deletecollection');
    expect(request.dryRun).toBe(true);
  });

  it('reads a body without Content-Type as JSON, like kube-apiserver', () => {
    expect(classify('DELETE', pod, {}, '{"propagationPolicy":"Background"}').deleteOptions).toEqual({
      propagationPolicy: 'Background',
    });
  });

  it.each([
    ['application/vnd.kubernetes.protobuf', 'k8s\u0000'],
    ['application/cbor', '\u00a0'],
    ['application/yaml', 'dryRun: [All]'],
  ])('refuses a %s body with 415', (contentType, body) => {
    const err = refusal(() => classify('DELETE', pod, { 'content-type': contentType }, body));
    expect(err.code).toBe(415);
    expect(err.reason).toBe('UnsupportedMediaType');
    expect(err.message).toContain('application/json');
  });

  it.each([
    ['{"dryRun":', 'not valid JSON'],
    ['[]', 'JSON object'],
    ['{"dryRun":"All"}', '"dryRun" must be a list of strings'],
    ['{"gracePeriodSeconds":"30"}', '"gracePeriodSeconds" must be an integer'],
    ['{"kind":"Pod"}', 'must be DeleteOptions'],
  ])('refuses body %s with 400', (body, problem) => {
    const err = refusal(() => classify('DELETE', pod, json, body));
    expect(err.code).toBe(400);
    expect(err.message).toContain(problem);
  });

  it('refuses a gracePeriodSeconds query value that kube-apiserver could not parse', () => {
    expect(refusal(() => classify('DELETE', `${pod}?gracePeriodSeconds=soon`)).code).toBe(400);
  });

  it('keeps the body of a DELETE through a proxy subresource opaque', () => {
    const request = classify(
      'DELETE',
      '/api/v1/namespaces/ns/services/web/proxy/items/1',
      { 'content-type': 'application/x-protobuf' },
      '\u0008\u0001',
    );
    expect(request).toMatchObject({ dryRun: false, info: { verb: 'delete', subresource: 'proxy' } });
    expect(request.deleteOptions).toBeUndefined();
  });

  it('carries preconditions through', () => {
    const body = '{"preconditions":{"uid":"u-1","resourceVersion":"42"}}';
    expect(classify('DELETE', pod, json, body).deleteOptions).toEqual({
      preconditions: { uid: 'u-1', resourceVersion: '42' },
    });
  });
});

describe('upgrades', () => {
  const exec = '/api/v1/namespaces/ns/pods/web/exec?command=sh&stdin=true';

  it('recognises a WebSocket upgrade', () => {
    const request = classify('GET', exec, { connection: 'Upgrade', upgrade: 'websocket' });
    expect(request.upgrade).toBe('websocket');
    expect(request.info).toMatchObject({ verb: 'get', subresource: 'exec' });
  });

  it('recognises an SPDY upgrade', () => {
    expect(classify('POST', exec, { connection: 'keep-alive, Upgrade', upgrade: 'SPDY/3.1' }).upgrade).toBe(
      'spdy',
    );
  });

  it('is not an upgrade without Connection: upgrade', () => {
    expect(classify('GET', exec, { upgrade: 'websocket' }).upgrade).toBeUndefined();
  });

  it('refuses other upgrade protocols', () => {
    const err = refusal(() => classify('GET', '/version', { connection: 'Upgrade', upgrade: 'h2c' }));
    expect(err.code).toBe(400);
    expect(err.message).toContain('"h2c"');
  });

  it('never treats an upgrade as a dry run', () => {
    expect(
      classify('POST', `${exec}&dryRun=All`, { connection: 'Upgrade', upgrade: 'SPDY/3.1' }).dryRun,
    ).toBe(false);
  });
});

describe('splitClusterTarget', () => {
  it.each([
    ['/clusters/prod/api/v1/pods?watch=1', 'prod', '/api/v1/pods?watch=1'],
    ['/clusters/kind-dev/version', 'kind-dev', '/version'],
    ['/clusters/prod', 'prod', '/'],
    ['/clusters/prod?timeout=32s', 'prod', '/?timeout=32s'],
    ['/clusters/prod//api/v1/pods', 'prod', '//api/v1/pods'],
  ])('%s → %s %s', (url, cluster, target) => {
    expect(splitClusterTarget(url)).toEqual({ cluster, target });
  });

  it('leaves strict validation of the rest to classifyRequest', () => {
    const { target } = splitClusterTarget('/clusters/prod//api/v1/pods');
    expect(refusal(() => classify('GET', target)).code).toBe(400);
  });

  it.each([
    ['/api/v1/pods', 404],
    ['/clusters', 404],
    ['/', 404],
    ['http://x/clusters/prod/api', 400],
    ['/clusters//api/v1/pods', 400],
    ['/clusters/%70rod/api', 400],
    ['/clusters/../api', 400],
    ['/clusters/-x/api', 400],
  ])('refuses %s with %d', (url, code) => {
    expect(refusal(() => splitClusterTarget(url)).code).toBe(code);
  });

  it.each([
    ['/api/v1/pods?watch=1', 'main', '/api/v1/pods?watch=1'],
    ['/version', 'main', '/version'],
    ['/', 'main', '/'],
    ['/clusters/prod/api', 'prod', '/api'],
  ])('with a default cluster, %s → %s %s', (url, cluster, target) => {
    expect(splitClusterTarget(url, 'main')).toEqual({ cluster, target });
  });

  it('with a default cluster, still refuses malformed cluster paths', () => {
    expect(refusal(() => splitClusterTarget('/clusters//api', 'main')).code).toBe(400);
  });
});

describe('parseRequestInfo called directly', () => {
  it('works on pre-split segments', () => {
    const info = parseRequestInfo(
      'GET',
      ['apis', 'apps', 'v1', 'namespaces', 'ns', 'deployments', 'web', 'scale'],
      new URLSearchParams(),
    );
    expect(info).toMatchObject({
      verb: 'get',
      apiGroup: 'apps',
      resource: 'deployments',
      name: 'web',
      subresource: 'scale',
    });
  });
});
