/** What policy evaluation returns for one request: the contract between policy and the pipeline. */

export type Action = 'allow' | 'deny' | 'review';

/** Borrowed from Kubernetes audit-policy levels. */
export type RecordingLevel = 'none' | 'metadata' | 'request' | 'request-response';

export interface ReviewSettings {
  /** Who may decide: approver identities (Slack user IDs, terminal names) and groups (Slack user-group IDs, names). */
  approvers: { users: string[]; groups: string[] };
  /** Distinct people that must approve. */
  approvals: number;
  /** How long the agent's connection is held waiting for a decision. */
  holdSeconds: number;
  /** How long a pending review stays open. */
  timeoutSeconds: number;
  /** Longest time-boxed grant an approver may give; 0 disables grants. */
  maxGrantSeconds: number;
  /** Slack channel for the card (falls back to the configured default). */
  channel?: string;
  /** Slack user group to mention on the card. */
  mention?: string;
  /** High-risk rules ask for a confirmation dialog on Approve. */
  confirm: boolean;
  /** The rule's `message`: why it asks for a review, the first thing a reviewer reads on the card. */
  message?: string;
}

export interface Decision {
  action: Action;
  /** Name of the rule that decided (or `default-deny` when nothing matched). */
  rule: string;
  /** Human message for denials (printed by kubectl). */
  message?: string;
  review?: ReviewSettings;
  /** Secret masking is the default; a rule may allow unmasked reads for a specific agent and resource. */
  unmasked: boolean;
  recording: { level: RecordingLevel; bestEffort: boolean };
}
