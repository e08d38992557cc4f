import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { exchangeSessionId, type ExchangeIssuer } from '../identity/exchange-issuer.js';
import { sessionRevoked, type RevocationList } from '../identity/revocation.js';
import { formatScope, parseScope, ScopeSyntaxError, type TokenScope } from '../identity/scope.js';
import {
  AuthenticationError,
  IssuerUnreachableError,
  type TokenVerifier,
} from '../identity/token-verifier.js';
import type { Logger } from '../lib/logger.js';
import type { Policy } from '../policy/model.js';
import { scopeBeyondPolicy } from '../policy/scope-coverage.js';

export const TOKEN_PATH = '/auth/token';
export const JWKS_PATH = '/.well-known/jwks.json';

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** Token exchange requests are a few kilobytes; more is not one. */
const MAX_REQUEST_BYTES = 64 * 1024;

export interface TokenEndpointDeps {
  /** The same verifier the proxy uses: whatever may call Airlock may exchange its token. */
  verifier: TokenVerifier;
  issuer: ExchangeIssuer;
  /** A revoked exchange session stays revoked: its subject token cannot start it again. */
  revocations: RevocationList;
  policy: () => Policy;
  clusters: ReadonlySet<string>;
  logger: Logger;
}

type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'temporarily_unavailable'
  | 'server_error';

/** A refusal in OAuth's error format (RFC 6749 §5.2); the description says why, never echoing the token. */
export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

/**
 * Serves token exchange (RFC 8693) at `POST /auth/token` and Airlock's public keys at `GET /.well-known/jwks.json`
 * on the proxy listener, ahead of the gateway (these paths are not cluster paths); everything else goes to `next`.
 */
export function withTokenEndpoints(deps: TokenEndpointDeps, next: RequestListener): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === JWKS_PATH) return serveJwks(deps, req, res);
    if (path === TOKEN_PATH) return void exchange(deps, req, res);
    return next(req, res);
  };
}

function serveJwks(deps: TokenEndpointDeps, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendJson(res, 405, { error: 'invalid_request', error_description: 'use GET' }, { allow: 'GET' });
  }
  // Short caching: a rotated key is published at once, and verifiers refetch on an unknown kid anyway.
  sendJson(res, 200, deps.issuer.jwks(), { 'cache-control': 'public, max-age=60' });
}

async function exchange(deps: TokenEndpointDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const params = await readForm(req);
    const subject = await verifySubject(deps, params.subjectToken);
    const scope = exchangeScope(deps, params, subject);
    const issued = await deps.issuer.issue(subject, scope.granted);
    deps.logger.info(
      {
        agent: subject.name,
        issuer: subject.issuer,
        session: issued.sessionId,
        scope: scope.text,
        expiresAt: issued.expiresAt.toISOString(),
      },
      'token exchanged',
    );
    sendJson(res, 200, {
      access_token: issued.token,
      issued_token_type: JWT_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: issued.lifetimeSeconds,
      ...(scope.text ? { scope: scope.text } : {}),
      session_id: issued.sessionId,
    });
  } catch (err) {
    const refusal = asOAuthError(err);
    if (refusal.code === 'server_error')
      deps.logger.error({ err: (err as Error).message }, 'token exchange failed');
    else deps.logger.info({ error: refusal.code, reason: refusal.message }, 'token exchange refused');
    sendJson(res, refusal.status, { error: refusal.code, error_description: refusal.message });
  }
}

interface ExchangeParams {
  subjectToken: string;
  scope: string;
  resources: string[];
}

async function readForm(req: IncomingMessage): Promise<ExchangeParams> {
  if (req.method !== 'POST')
    throw new OAuthError('invalid_request', 'the token endpoint accepts POST only', 405);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'send the parameters as application/x-www-form-urlencoded');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new OAuthError('invalid_request', 'the request is too large', 413);
    chunks.push(chunk);
  }
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  // RFC 6749 §3.2: parameters must not repeat (only `resource` may, RFC 8707).
  const single = (name: string): string | undefined => {
    const values = form.getAll(name);
    if (values.length > 1)
      throw new OAuthError('invalid_request', `parameter ${name} is given more than once`);
    return values[0];
  };
  const grantType = single('grant_type');
  if (grantType !== TOKEN_EXCHANGE_GRANT) {
    throw new OAuthError(
      grantType === undefined ? 'invalid_request' : 'unsupported_grant_type',
      `grant_type must be ${TOKEN_EXCHANGE_GRANT}`,
    );
  }
  const subjectToken = single('subject_token');
  if (!subjectToken) throw new OAuthError('invalid_request', 'subject_token is missing');
  if (single('subject_token_type') !== JWT_TOKEN_TYPE) {
    throw new OAuthError('invalid_request', `subject_token_type must be ${JWT_TOKEN_TYPE}`);
  }
  const requested = single('requested_token_type');
  if (requested !== undefined && requested !== JWT_TOKEN_TYPE && requested !== ACCESS_TOKEN_TYPE) {
    throw new OAuthError('invalid_request', `requested_token_type must be ${JWT_TOKEN_TYPE}`);
  }
  if (single('actor_token') !== undefined) {
    throw new OAuthError('invalid_request', 'delegation (actor_token) is not supported');
  }
  return { subjectToken, scope: single('scope') ?? '', resources: form.getAll('resource') };
}

async function verifySubject(deps: TokenEndpointDeps, token: string) {
  const subject = await deps.verifier.verify(token);
  // Re-exchanging Airlock's own tokens would let a holder extend a session past the original credential.
  if (subject.exchange) {
    throw new OAuthError(
      'invalid_grant',
      'subject_token was issued by Airlock; exchange the token from your identity provider instead',
    );
  }
  const revocation = deps.revocations.revocationOf(exchangeSessionId(subject));
  if (revocation)
    throw new OAuthError('invalid_grant', `subject_token: ${sessionRevoked(revocation).message}`);
  return subject;
}

/** The requested scope, with `resource` URLs (`…/clusters/NAME`) narrowing it to those clusters. */
function exchangeScope(
  deps: TokenEndpointDeps,
  params: ExchangeParams,
  subject: { name: string; groups: readonly string[] },
): { granted: TokenScope; text: string } {
  let scope: TokenScope;
  try {
    scope = parseScope(params.scope);
  } catch (err) {
    if (err instanceof ScopeSyntaxError) throw new OAuthError('invalid_scope', err.message);
    throw err;
  }
  const known = (name: string): boolean => deps.clusters.has(name);
  const served = `known: ${[...deps.clusters].join(', ') || 'none'}`;
  const unknown = scope.clusters?.find((name) => !known(name));
  if (unknown !== undefined) {
    throw new OAuthError('invalid_scope', `cluster "${unknown}" is not served by Airlock (${served})`);
  }
  if (params.resources.length > 0) {
    const targets = params.resources.map(clusterOfResource);
    const unknownTarget = targets.find((name) => !known(name));
    if (unknownTarget !== undefined) {
      throw new OAuthError(
        'invalid_target',
        `cluster "${unknownTarget}" is not served by Airlock (${served})`,
      );
    }
    const clusters = scope.clusters ? targets.filter((name) => scope.clusters!.includes(name)) : targets;
    if (clusters.length === 0) {
      throw new OAuthError(
        'invalid_target',
        'resource and scope name different clusters: nothing would be allowed',
      );
    }
    scope = { ...scope, clusters: [...new Set(clusters)] };
  }
  const beyond = scopeBeyondPolicy(deps.policy(), subject, scope);
  if (beyond !== undefined) {
    throw new OAuthError(
      'invalid_scope',
      `scope "${beyond}" is not allowed: no policy rule allows or reviews it for agent "${subject.name}"; ` +
        'a scope can only narrow what policy allows',
    );
  }
  return { granted: scope, text: formatScope(scope) };
}

function clusterOfResource(resource: string): string {
  const match = URL.canParse(resource) ? /^\/clusters\/([^/]+)\/?/.exec(new URL(resource).pathname) : null;
  if (!match?.[1]) {
    throw new OAuthError(
      'invalid_target',
      'resource must be an Airlock cluster URL, e.g. https://airlock.example.com/clusters/prod',
    );
  }
  return match[1];
}

function asOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof IssuerUnreachableError)
    return new OAuthError('temporarily_unavailable', err.message, 503);
  if (err instanceof AuthenticationError)
    return new OAuthError('invalid_grant', `subject_token: ${err.message}`);
  return new OAuthError(
    'server_error',
    'Airlock could not issue a token; try again, or ask its operator',
    500,
  );
}

/** A JSON answer that is never cached (RFC 6749 §5.1 for tokens; the MCP endpoint's answers are per caller too). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    // RFC 6749 §5.1: token responses must not be cached.
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}
