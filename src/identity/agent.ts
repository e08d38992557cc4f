import type { TokenScope } from './scope.js';

/** The authenticated caller of the proxy: an AI agent acting for an accountable human (its owner). */
export interface Agent {
  /** Stable display name, e.g. `ci-bot` (from the configured name claim). */
  name: string;
  /** Token subject (`sub`), unique within the issuer. */
  subject: string;
  issuer: string;
  groups: readonly string[];
  /** The accountable human, usually an email address. */
  owner?: string;
  /** Identifies the credential (the `jti`, or a hash of the token when absent); sessions group on it. */
  tokenId: string;
  expiresAt: Date;
  /**
   * Set when Airlock issued the token by token exchange (`POST /auth/token`): `issuer` and `subject` are then those
   * of the exchanged token, `tokenId` is the exchange session, and `scope` narrows what policy allows.
   */
  exchange?: { scope: TokenScope };
}
