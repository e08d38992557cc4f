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
}
