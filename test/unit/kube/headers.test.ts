import { describe, expect, it } from 'vitest';
import {
  assertNoClientImpersonation,
  buildUpstreamHeaders,
  headerKeyEscape,
  type UpstreamHeaderOptions,
} from '../../../src/kube/headers.js';
import { StatusError } from '../../../src/kube/status.js';

const base: UpstreamHeaderOptions = { upgrade: false, requestId: 'req-1', clientIp: '192.0.2.7' };

/** Node's rawHeaders shape from name/value pairs. */
const raw = (...pairs: [string, string][]): string[] => pairs.flat();

function refusal(run: () => unknown): StatusError {
  try {
    run();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}

describe('assertNoClientImpersonation', () => {
  it.each(['Impersonate-User', 'impersonate-group', 'IMPERSONATE-UID', 'Impersonate-Extra-scopes'])(
    'refuses %s with 403',
    (name) => {
      const err = refusal(() => assertNoClientImpersonation(raw(['Accept', '*/*'], [name, 'system:admin'])));
      expect(err.code).toBe(403);
      expect(err.reason).toBe('Forbidden');
      expect(err.message).toContain(name.toLowerCase());
    },
  );

  it('refuses an Impersonate-* header that is only named in Connection (CVE-2021-31999)', () => {
    const err = refusal(() =>
      assertNoClientImpersonation(raw(['Connection', 'keep-alive, Impersonate-User'])),
    );
    expect(err.code).toBe(403);
    expect(err.message).toContain('Connection header names "impersonate-user"');
  });

  it('accepts an ordinary kubectl request', () => {
    expect(() =>
      assertNoClientImpersonation(
        raw(
          ['Accept', 'application/json'],
          ['User-Agent', 'kubectl/v1.32.0'],
          ['Connection', 'Upgrade'],
          ['Upgrade', 'websocket'],
        ),
      ),
    ).not.toThrow();
  });
});

describe('buildUpstreamHeaders: allow-list', () => {
  const agentRequest = raw(
    ['Host', 'airlock.example'],
    ['Authorization', 'Bearer agent-jwt'],
    ['Cookie', 'session=1'],
    ['Proxy-Authorization', 'Basic x'],
    ['X-Remote-User', 'system:admin'],
    ['X-Remote-Group', 'system:masters'],
    ['X-Remote-Extra-Scopes', 'all'],
    ['X-Forwarded-For', '10.0.0.1'],
    ['X-Forwarded-Host', 'evil'],
    ['X-Real-Ip', '10.0.0.2'],
    ['Keep-Alive', 'timeout=5'],
    ['TE', 'trailers'],
    ['Transfer-Encoding', 'chunked'],
    ['Content-Length', '12'],
    ['Accept-Encoding', 'gzip'],
    ['Audit-ID', 'agent-chosen'],
    ['Accept', 'application/json'],
    ['Content-Type', 'application/merge-patch+json'],
    ['User-Agent', 'kubectl/v1.32.0 (linux/amd64)'],
    ['Kubectl-Command', 'kubectl apply'],
    ['Kubectl-Session', 'abc'],
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Key', 'k'],
  );

  it('forwards exactly the allow-listed headers with our request id and client address', () => {
    expect(buildUpstreamHeaders(agentRequest, base)).toEqual({
      accept: 'application/json',
      'content-type': 'application/merge-patch+json',
      'user-agent': 'kubectl/v1.32.0 (linux/amd64)',
      'kubectl-command': 'kubectl apply',
      'kubectl-session': 'abc',
      'audit-id': 'req-1',
      'x-forwarded-for': '192.0.2.7',
    });
  });

  it("replaces the agent's Authorization with Airlock's credential", () => {
    const headers = buildUpstreamHeaders(agentRequest, { ...base, authorization: 'Bearer airlock-sa' });
    expect(headers.authorization).toBe('Bearer airlock-sa');
  });

  it('sends no Authorization at all when Airlock uses client certificates', () => {
    expect(buildUpstreamHeaders(agentRequest, base)).not.toHaveProperty('authorization');
  });

  it('sends the rewritten Accept instead of the agent one', () => {
    const headers = buildUpstreamHeaders(raw(['Accept', 'application/vnd.kubernetes.protobuf']), {
      ...base,
      accept: 'application/json',
    });
    expect(headers.accept).toBe('application/json');
  });

  it('drops allow-listed headers that Connection nominates as hop-by-hop', () => {
    const headers = buildUpstreamHeaders(
      raw(
        ['Connection', 'User-Agent, Kubectl-Command'],
        ['User-Agent', 'kubectl'],
        ['Kubectl-Command', 'x'],
        ['Accept', '*/*'],
      ),
      base,
    );
    expect(headers).not.toHaveProperty('user-agent');
    expect(headers).not.toHaveProperty('kubectl-command');
    expect(headers.accept).toBe('*/*');
  });

  it('forwards only the first line of a single-valued header', () => {
    const headers = buildUpstreamHeaders(
      raw(['Content-Type', 'application/json'], ['Content-Type', 'application/vnd.kubernetes.protobuf']),
      base,
    );
    expect(headers['content-type']).toBe('application/json');
  });

  it('never forwards an Impersonate-* header even if the caller skipped the 403 check', () => {
    const headers = buildUpstreamHeaders(
      raw(['Impersonate-User', 'system:admin'], ['Impersonate-Group', 'system:masters']),
      base,
    );
    expect(Object.keys(headers).filter((name) => name.startsWith('impersonate-'))).toEqual([]);
  });
});

describe('buildUpstreamHeaders: upgrades', () => {
  const websocket = raw(
    ['Connection', 'Upgrade'],
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ['Sec-WebSocket-Version', '13'],
    ['Sec-WebSocket-Extensions', 'permessage-deflate'],
    ['Sec-WebSocket-Protocol', 'base64url.bearer.authorization.k8s.io.c2VjcmV0, v5.channel.k8s.io'],
    ['Sec-WebSocket-Protocol', 'v4.channel.k8s.io'],
  );

  it('keeps the handshake and removes bearer-token subprotocols', () => {
    expect(buildUpstreamHeaders(websocket, { ...base, upgrade: true })).toEqual({
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      'sec-websocket-extensions': 'permessage-deflate',
      'sec-websocket-protocol': 'v5.channel.k8s.io, v4.channel.k8s.io',
      'audit-id': 'req-1',
      'x-forwarded-for': '192.0.2.7',
    });
  });

  it('omits Sec-WebSocket-Protocol when only a bearer token was offered', () => {
    const headers = buildUpstreamHeaders(
      raw(
        ['Connection', 'Upgrade'],
        ['Upgrade', 'websocket'],
        ['Sec-WebSocket-Protocol', 'base64url.bearer.authorization.k8s.io.dG9r'],
      ),
      { ...base, upgrade: true },
    );
    expect(headers).not.toHaveProperty('sec-websocket-protocol');
  });

  it('keeps every X-Stream-Protocol-Version line for SPDY', () => {
    const headers = buildUpstreamHeaders(
      raw(
        ['Connection', 'Upgrade'],
        ['Upgrade', 'SPDY/3.1'],
        ['X-Stream-Protocol-Version', 'v4.channel.k8s.io'],
        ['X-Stream-Protocol-Version', 'v3.channel.k8s.io'],
        ['X-Stream-Protocol-Version', 'channel.k8s.io'],
      ),
      { ...base, upgrade: true },
    );
    expect(headers.upgrade).toBe('SPDY/3.1');
    expect(headers['x-stream-protocol-version']).toEqual([
      'v4.channel.k8s.io',
      'v3.channel.k8s.io',
      'channel.k8s.io',
    ]);
  });

  it('drops the upgrade headers from plain requests', () => {
    const headers = buildUpstreamHeaders(websocket, base);
    expect(Object.keys(headers).sort()).toEqual(['audit-id', 'x-forwarded-for']);
  });
});

describe('buildUpstreamHeaders: impersonation', () => {
  const identity = {
    user: 'agent:deploy-bot',
    groups: ['agents', 'team-a', 'system:authenticated'],
    extra: { 'airlock.dev/owner': ['alice@example.com'], scopes: ['read', 'write'], empty: [] },
  };

  it('sets one Impersonate-Group line per group and escaped extra keys', () => {
    const headers = buildUpstreamHeaders(raw(['Accept', '*/*']), {
      ...base,
      impersonate: { ...identity, uid: 'u-1' },
    });
    expect(headers['impersonate-user']).toBe('agent:deploy-bot');
    expect(headers['impersonate-group']).toEqual(['agents', 'team-a', 'system:authenticated']);
    expect(headers['impersonate-extra-airlock.dev%2Fowner']).toEqual(['alice@example.com']);
    expect(headers['impersonate-extra-scopes']).toEqual(['read', 'write']);
    expect(headers).not.toHaveProperty('impersonate-extra-empty');
    expect(headers['impersonate-uid']).toBe('u-1');
  });

  it('is written after the copied headers, so a nominated or smuggled header cannot remove it', () => {
    const headers = buildUpstreamHeaders(
      raw(['Connection', 'Impersonate-User'], ['Impersonate-User', 'system:admin']),
      {
        ...base,
        impersonate: identity,
      },
    );
    expect(headers['impersonate-user']).toBe('agent:deploy-bot');
  });

  it.each(['', '  '])('fails closed when the user is %j', (user) => {
    const err = refusal(() => buildUpstreamHeaders([], { ...base, impersonate: { ...identity, user } }));
    expect(err.code).toBe(500);
    expect(err.message).toContain('impersonation mode');
  });

  it('sends no Impersonate-Group when there are no groups', () => {
    const headers = buildUpstreamHeaders([], { ...base, impersonate: { user: 'u', groups: [], extra: {} } });
    expect(headers).not.toHaveProperty('impersonate-group');
  });
});

describe('headerKeyEscape (client-go)', () => {
  it.each([
    ['scopes', 'scopes'],
    ['acme.com/session', 'acme.com%2Fsession'],
    ['50%', '50%25'],
    ['a b', 'a%20b'],
    ['clé', 'cl%C3%A9'],
    ["!#$&'*+-.^_`|~", "!#$&'*+-.^_`|~"],
  ])('%j → %j', (key, escaped) => {
    expect(headerKeyEscape(key)).toBe(escaped);
  });
});
