import { StatusError } from '../kube/status.js';

/**
 * The agent could not be authenticated. The message is shown to the agent (kubectl prints it), so it says why
 * in terms of the token the agent sent — never key material, internal URLs or stack traces.
 */
export class AuthenticationError extends StatusError {
  constructor(
    message: string,
    /** A small fixed set, for the auth-failure metric; the message says the rest. */
    readonly failure: AuthFailure = 'invalid-token',
  ) {
    super('Unauthorized', message);
    this.name = 'AuthenticationError';
  }
}

export type AuthFailure =
  | 'no-token'
  | 'invalid-token'
  | 'expired'
  | 'unknown-issuer'
  | 'wrong-audience'
  | 'bad-signature'
  | 'issuer-unreachable'
  | 'revoked';

/**
 * The issuer's discovery document or key set could not be fetched. The agent sees a 401 that says so; operators
 * find the failing URL and the reason in `cause`, which is meant for logs only.
 */
export class IssuerUnreachableError extends AuthenticationError {
  readonly issuer: string;

  constructor(issuer: string, cause: Error) {
    super(
      `token issuer ${quote(issuer)} could not be reached to fetch its signing keys; try again later`,
      'issuer-unreachable',
    );
    this.name = 'IssuerUnreachableError';
    this.issuer = issuer;
    this.cause = cause;
  }
}

const MAX_QUOTED_LENGTH = 200;

/** Quotes a value taken from an untrusted token so it is safe and bounded inside a message. */
export function quote(value: string): string {
  const bounded = value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH)}…` : value;
  return JSON.stringify(bounded);
}
