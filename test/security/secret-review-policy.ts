/**
 * A policy for tests that need secret writes to reach the review engine: dry runs and everything else are allowed
 * and recorded in full; Secret writes are reviewed and held briefly, so a parked request answers quickly and its
 * masked body and preview are in the review store. OPTIONS, TRACE and other verb-less requests are denied.
 */
export const SECRET_REVIEW_POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/version'] }
    action: allow
  - name: dry-runs
    match: { dryRun: true }
    action: allow
    recording: { level: request-response }
  - name: secret-writes
    match: { verbs: [create, update, patch], resources: [secrets] }
    action: review
    review: { hold: 1s }
    recording: { level: request-response }
  - name: everything
    match: { verbs: [get, list, watch, create, update, patch, delete] }
    action: allow
    recording: { level: request-response }
`;
