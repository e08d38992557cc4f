import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_PATH, JWKS_PATH, withTokenEndpoints } from '../../../src/gateway/token-endpoint.js';
import {
  EXCHANGE_AUDIENCE,
  EXCHANGE_KEYS_FILE,
  loadExchangeIssuer,
  type ExchangeIssuer,
} from '../../../src/identity/exchange-issuer.js';
import { loadOrCreateLocalIssuer, type LocalIssuer } from '../../../src/identity/local-issuer.js';
import {
  AuthenticationError,
  createTokenVerifier,
  type TokenVerifier,
} from '../../../src/identity/token-verifier.js';
import { parsePolicy } from '../../../src/policy/load.js';
import type { Revocation } from '../../../src/identity/revocation.js';

const POLICY = parsePolicy(
  `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: team-a-reads
    match: { agents: [ci-bot], namespaces: [team-a], verbs: [get, list, watch], resources: [pods, deployments] }
    action: allow
  - name: team-a-deletes
    match: { agents: [ci-bot], namespaces: [team-a], verbs: [delete] }
    action: review
  - name: no-kube-system
    match: { namespaces: [kube-system] }
    action: deny
`,
  { approvers: { users: [], groups: [] } },
);

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';

let dir: string;
let local: LocalIssuer;
let exchangeIssuer: ExchangeIssuer;
let verifier: TokenVerifier;
let server: Server;
let url: string;
let clock: Date;
let revoked: Map<string, Revocation>;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-exchange-'));
  clock = new Date();
  revoked = new Map();
  local = await loadOrCreateLocalIssuer(dir);
  exchangeIssuer = await loadExchangeIssuer(dir, {
    issuer: 'airlock',
    audience: EXCHANGE_AUDIENCE,
    lifetimeSeconds: 600,
    keyRotationSeconds: 600,
    now: () => clock,
  });
  verifier = createTokenVerifier({ issuers: [local.config, exchangeIssuer.config], now: () => clock });
  server = createServer(
    withTokenEndpoints(
      {
        verifier,
        issuer: exchangeIssuer,
        revocations: { revocationOf: (id) => revoked.get(id) },
        policy: () => POLICY,
        clusters: new Set(['default', 'prod']),
        logger: pino({ level: 'silent' }),
      },
      (_req, res) => void res.writeHead(404).end('gateway'),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function exchange(params: Record<string, string | string[]>) {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of [value].flat()) form.append(name, v);
  }
  const response = await fetch(`${url}${TOKEN_PATH}`, { method: 'POST', body: form });
  return {
    status: response.status,
    cacheControl: response.headers.get('cache-control'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const mintCiBot = (ttlSeconds = 900) =>
  local.mint({ agent: 'ci-bot', groups: ['deployers'], owner: 'alice@example.com', ttlSeconds });

const exchangeFor = (subject_token: string, extra: Record<string, string | string[]> = {}) =>
  exchange({ grant_type: EXCHANGE, subject_token, subject_token_type: JWT, ...extra });

describe('POST /auth/token (RFC 8693 token exchange)', () => {
  it('exchanges a valid token for a short-lived Airlock token that the verifier accepts as the same agent', async () => {
    const { status, body, cacheControl } = await exchangeFor(await mintCiBot());
    expect(status).toBe(200);
    expect(cacheControl).toBe('no-store');
    expect(body).toMatchObject({ issued_token_type: JWT, token_type: 'Bearer', expires_in: 600 });
    const token = body.access_token as string;
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: 'airlock',
      aud: EXCHANGE_AUDIENCE,
      sub: 'agent:ci-bot',
      sid: body.session_id,
    });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(exchangeIssuer.jwks().keys.map((key) => key.kid)).toContain(decodeProtectedHeader(token).kid);
    const agent = await verifier.verify(token);
    expect(agent).toMatchObject({
      name: 'ci-bot',
      subject: 'agent:ci-bot',
      issuer: 'airlock-local', // the identity Airlock verified, not Airlock itself
      groups: ['deployers'],
      owner: 'alice@example.com',
      tokenId: body.session_id,
      exchange: { scope: {} },
    });
  });

  it('never outlives the token it replaces', async () => {
    const subject = await mintCiBot(120);
    const { body } = await exchangeFor(subject);
    expect(decodeJwt(body.access_token as string).exp).toBe(decodeJwt(subject).exp);
    expect(body.expires_in).toBeLessThan(600);
  });

  it('continues one session across exchanges of the same subject token', async () => {
    const subject = await mintCiBot();
    const first = await exchangeFor(subject);
    const second = await exchangeFor(subject);
    const other = await exchangeFor(await mintCiBot());
    expect(second.body.session_id).toBe(first.body.session_id);
    expect(other.body.session_id).not.toBe(first.body.session_id);
  });

  it('grants a scope that narrows policy and carries it in the token', async () => {
    const { status, body } = await exchangeFor(await mintCiBot(), {
      scope: 'namespace:team-a verb:get verb:list resource:pods',
      resource: `${url}/clusters/prod`,
    });
    expect(status).toBe(200);
    expect(body.scope).toBe('cluster:prod namespace:team-a verb:get verb:list resource:pods');
    const agent = await verifier.verify(body.access_token as string);
    expect(agent.exchange?.scope).toEqual({
      clusters: ['prod'],
      namespaces: ['team-a'],
      verbs: ['get', 'list'],
      resources: ['pods'],
    });
  });

  it.each([
    ['a namespace policy never allows', 'namespace:kube-system', 'namespace:kube-system'],
    ['a verb policy never allows', 'namespace:team-a verb:create', 'namespace:team-a verb:create'],
    [
      'a resource policy never allows with that verb',
      'verb:get resource:secrets',
      'verb:get resource:secrets',
    ],
    [
      'one combination policy never allows',
      'namespace:team-a namespace:team-b verb:get',
      'namespace:team-b verb:get',
    ],
  ])('refuses an over-broad scope (%s) as invalid_scope, naming it', async (_what, scope, named) => {
    const { status, body } = await exchangeFor(await mintCiBot(), { scope });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_scope');
    expect(body.error_description).toContain(`scope "${named}" is not allowed`);
  });

  it('refuses a scope for an agent policy grants nothing', async () => {
    const other = await local.mint({ agent: 'stranger', ttlSeconds: 600 });
    const { body } = await exchangeFor(other, { scope: 'namespace:team-a' });
    expect(body).toMatchObject({ error: 'invalid_scope' });
    expect(body.error_description).toContain('agent "stranger"');
  });

  it.each([
    ['an unknown cluster', { scope: 'cluster:staging' }, 'invalid_scope', /cluster "staging" is not served/],
    ['a glob', { scope: 'namespace:team-*' }, 'invalid_scope', /exact lower-case name/],
    ['an unknown dimension', { scope: 'admin' }, 'invalid_scope', /cluster:NAME/],
    [
      'a resource that is no cluster URL',
      { resource: 'https://example.com/api' },
      'invalid_target',
      /cluster URL/,
    ],
  ])('refuses %s', async (_what, extra, error, description) => {
    const { status, body } = await exchangeFor(await mintCiBot(), extra);
    expect(status).toBe(400);
    expect(body.error).toBe(error);
    expect(body.error_description).toMatch(description);
  });

  it('refuses an expired subject token as invalid_grant, saying it expired', async () => {
    const token = await mintCiBot(60);
    const late = createTokenVerifier({
      issuers: [local.config],
      now: () => new Date(Date.now() + 3_600_000),
    });
    server.removeAllListeners('request');
    server.on(
      'request',
      withTokenEndpoints(
        {
          verifier: late,
          issuer: exchangeIssuer,
          revocations: { revocationOf: () => undefined },
          policy: () => POLICY,
          clusters: new Set(['default']),
          logger: pino({ level: 'silent' }),
        },
        (_req, res) => void res.writeHead(404).end(),
      ),
    );
    const { status, body } = await exchangeFor(token);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_grant' });
    expect(body.error_description).toMatch(/^subject_token: token expired at .*; request a new token$/);
  });

  it('refuses a token for another audience as invalid_grant, naming the expected audience', async () => {
    const elsewhere = await loadOrCreateLocalIssuer(dir, { audience: 'some-other-service' });
    const { body } = await exchangeFor(await elsewhere.mint({ agent: 'ci-bot', ttlSeconds: 600 }));
    expect(body).toMatchObject({ error: 'invalid_grant' });
    expect(body.error_description).toMatch(/audience is not accepted \(expected "airlock"\)/);
  });

  it('refuses a token from an issuer Airlock does not trust', async () => {
    const stranger = await loadOrCreateLocalIssuer(path.join(dir, 'elsewhere'), {
      issuer: 'https://idp.example',
    });
    const { body } = await exchangeFor(await stranger.mint({ agent: 'ci-bot', ttlSeconds: 600 }));
    expect(body).toMatchObject({ error: 'invalid_grant' });
    expect(body.error_description).toContain('token issuer "https://idp.example" is not configured');
  });

  it("refuses to re-exchange Airlock's own tokens, which would stretch a session", async () => {
    const { body } = await exchangeFor(await mintCiBot());
    const again = await exchangeFor(body.access_token as string);
    expect(again.body).toMatchObject({ error: 'invalid_grant' });
    expect(again.body.error_description).toMatch(/issued by Airlock/);
  });

  it('refuses to restart a revoked session from the same subject token, saying who revoked it', async () => {
    const subject = await mintCiBot();
    const { body } = await exchangeFor(subject);
    const tokenId = body.session_id as string;
    revoked.set(tokenId, { tokenId, revokedAt: new Date(), revokedBy: 'alice', reason: 'runaway agent' });
    const again = await exchangeFor(subject);
    expect(again.body).toMatchObject({ error: 'invalid_grant' });
    expect(again.body.error_description).toContain(`session "${tokenId}" was revoked at`);
    expect(again.body.error_description).toContain('by "alice": "runaway agent"');
    expect((await exchangeFor(await mintCiBot())).status).toBe(200); // a new subject token is a new session
  });

  it.each([
    [{ grant_type: 'client_credentials' }, 'unsupported_grant_type'],
    [{ grant_type: EXCHANGE, subject_token_type: JWT }, 'invalid_request'],
    [
      {
        grant_type: EXCHANGE,
        subject_token: 'x',
        subject_token_type: 'urn:ietf:params:oauth:token-type:saml2',
      },
      'invalid_request',
    ],
    [{ grant_type: [EXCHANGE, EXCHANGE], subject_token: 'x', subject_token_type: JWT }, 'invalid_request'],
  ])('answers malformed requests with OAuth errors: %j → %s', async (params, error) => {
    const { status, body } = await exchange(params);
    expect(status).toBe(400);
    expect(body.error).toBe(error);
  });

  it('leaves every other path to the gateway', async () => {
    const response = await fetch(`${url}/clusters/default/api/v1/pods`);
    expect(await response.text()).toBe('gateway');
  });
});

describe('GET /.well-known/jwks.json and key rotation', () => {
  it('publishes only public keys, and keeps the previous key valid after a rotation', async () => {
    // Subject tokens live long enough to be exchanged at the later clock readings below.
    const before = await exchangeFor(await mintCiBot(3600));
    const published = (await (await fetch(`${url}${JWKS_PATH}`)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(published.keys).toHaveLength(1);
    expect(published.keys[0]).not.toHaveProperty('d');

    clock = new Date(clock.getTime() + 600_000); // the key is due
    const after = await exchangeFor(await mintCiBot(3600));
    const oldKid = decodeProtectedHeader(before.body.access_token as string).kid;
    const newKid = decodeProtectedHeader(after.body.access_token as string).kid;
    expect(newKid).not.toBe(oldKid);
    const rotated = (await (await fetch(`${url}${JWKS_PATH}`)).json()) as { keys: { kid: string }[] };
    expect(rotated.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    // Both verify in this process at once (the verifier reads the live key set) …
    await expect(verifier.verify(after.body.access_token as string)).resolves.toMatchObject({
      name: 'ci-bot',
    });
    await expect(verifier.verify(before.body.access_token as string)).resolves.toMatchObject({
      name: 'ci-bot',
    });
    // … and after a restart, from the key file (mode 0600).
    const file = path.join(dir, EXCHANGE_KEYS_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).keys).toHaveLength(2);
    const restarted = await loadExchangeIssuer(dir, {
      issuer: 'airlock',
      audience: EXCHANGE_AUDIENCE,
      lifetimeSeconds: 600,
      keyRotationSeconds: 600,
      now: () => clock,
    });
    expect(restarted.jwks().keys.map((key) => key.kid)).toEqual([newKid, oldKid]);

    clock = new Date(clock.getTime() + 600_000); // a second rotation retires the first key
    await exchangeFor(await mintCiBot(3600));
    await expect(verifier.verify(before.body.access_token as string)).rejects.toThrow(AuthenticationError);
  });
});
