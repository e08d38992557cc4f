import type { JSONWebKeySet } from 'jose';

/** One token issuer Airlock trusts, and how its tokens map onto an `Agent`. */
export interface IssuerConfig {
  /** Exact `iss` value. */
  issuer: string;
  /** Accepted audiences: at least one of them must be in `aud`. */
  audiences: string[];
  /** Where the signing keys are published; without it (and without `jwks`), OIDC discovery finds it. */
  jwksUri?: string;
  /**
   * Inline signing keys, used instead of any HTTP (Airlock's own issuers). A function is asked on every
   * verification, so keys Airlock rotates while running are accepted at once.
   */
  jwks?: JSONWebKeySet | (() => JSONWebKeySet);
  /** Accepted signature algorithms; `none` and the HMAC family (HS*) are never accepted, whatever is listed. */
  algorithms: string[];
  /** Claim names, e.g. `{ name: 'sub', groups: 'groups', owner: 'email' }`. */
  claims: { name: string; groups: string; owner: string };
  /** Tolerance for `exp`, `nbf` and `iat` against the local clock. */
  clockSkewSeconds: number;
  /** Longest accepted lifetime (`exp - iat`, or `exp - now` without `iat`): agent tokens must be short-lived. */
  maxLifetimeSeconds: number;
  /**
   * Airlock's token exchange issuer: its tokens name the original issuer (`src_iss`), a session (`sid`) and a
   * scope. Only Airlock's own issuer may say so: another issuer could otherwise claim any identity.
   */
  exchange?: boolean;
}
