/**
 * The built-in policy, in the same format users write, so it doubles as a starting point for their own.
 * Kept as a TypeScript string (not a .yaml file) so the compiled package needs no asset copying.
 */
export const DEFAULT_POLICY_YAML = `\
apiVersion: airlock.dev/v1
kind: Policy
# Safe out of the box: reads are allowed with secret values masked, ordinary writes are allowed,
# risky requests wait for a human in Slack, and a few that would let an agent escape Airlock are refused.
defaults:
  recording: { level: request, bestEffort: false }
  review: { approvals: 1, hold: 50s, timeout: 30m, maxGrant: 15m }

rules:
  # kubectl discovers the API and checks health before anything else.
  - name: discovery-and-health
    match:
      verbs: [get, head]
      nonResourceURLs: [/api, /api/*, /apis, /apis/*, /version, /openapi/*, /healthz, /healthz/*, /livez, /livez/*, /readyz, /readyz/*]
    action: allow

  # Refused outright: each one would let the agent act outside Airlock's policy and recording.
  - name: no-impersonation
    match: { verbs: [impersonate] }
    action: deny
    message: impersonating users, groups or service accounts is not allowed through Airlock; requests run as the agent itself
  - name: no-rbac-escalation
    match: { verbs: [escalate, bind] }
    action: deny
    message: granting permissions the agent does not hold itself (RBAC escalate or bind) is not allowed through Airlock
  - name: no-token-minting
    match: { verbs: [create], resources: [serviceaccounts/token] }
    action: deny
    message: minting service account tokens is not allowed through Airlock, because a token would bypass Airlock entirely
  - name: no-node-proxy
    match: { resources: [nodes/proxy] }
    action: deny
    message: nodes/proxy reaches the kubelet directly (including exec into any pod on the node) and is not allowed through Airlock
  - name: no-csr-approval
    match: { resources: [certificatesigningrequests/approval] }
    action: deny
    message: approving certificate signing requests issues cluster credentials and is not allowed through Airlock

  # Interactive access inside the cluster: any verb, because WebSocket exec arrives as a GET.
  - name: review-pod-sessions
    match: { resources: [pods/exec, pods/attach, pods/portforward, pods/ephemeralcontainers] }
    action: review
    message: opens a session inside a container, which Airlock cannot mask or preview
    review: { confirm: true }
  - name: review-proxy
    match: { resources: ['*/proxy'] }
    action: review
    message: proxies straight to a pod or service, past Airlock's masking
    review: { confirm: true }

  # Reads. Secret values are masked because no rule here sets masking.unmask.
  - name: reads
    match: { verbs: [get, list, watch] }
    action: allow
  # Server-side dry runs change nothing; they are how an agent previews its own change.
  - name: dry-runs
    match: { dryRun: true }
    action: allow

  - name: review-deletes
    match: { verbs: [delete, deletecollection] }
    action: review
    message: deletion cannot be undone
  - name: review-indirect-deletes
    match: { resources: [pods/eviction, namespaces/finalize] }
    action: review
    message: evicting a pod deletes it, and finalizing a namespace completes its deletion
  - name: review-rbac-writes
    match:
      verbs: [create, update, patch]
      apiGroups: [rbac.authorization.k8s.io]
      resources: [roles, rolebindings, clusterroles, clusterrolebindings]
    action: review
    message: changes who may do what in the cluster
    review: { confirm: true }
  - name: review-secret-writes
    match: { verbs: [create, update, patch], resources: [secrets] }
    action: review
    message: writes a secret
  - name: review-production-writes
    match:
      verbs: [create, update, patch]
      namespaces: [prod, prod-*, '*-prod', production*, kube-system]
    action: review
    message: changes a production or system namespace
  - name: review-cluster-extensions
    match:
      verbs: [create, update, patch]
      apiGroups: [apiextensions.k8s.io, admissionregistration.k8s.io]
      resources: [customresourcedefinitions, validatingwebhookconfigurations, mutatingwebhookconfigurations]
    action: review
    message: changes the cluster's API or what every request passes through
    review: { confirm: true }

  - name: other-writes
    match: { verbs: [create, update, patch] }
    action: allow
  # Anything else (unknown verbs, other non-resource paths such as /metrics or /logs) is denied by default-deny.

tests:
  - name: kubectl discovery is allowed
    request: { agent: any-agent, verb: get, path: /apis/apps/v1 }
    expect: { action: allow, rule: discovery-and-health }
  - name: the version endpoint is allowed
    request: { agent: any-agent, verb: get, path: /version }
    expect: { action: allow, rule: discovery-and-health }
  - name: other non-resource paths are denied
    request: { agent: any-agent, verb: get, path: /logs/kube-apiserver.log }
    expect: { action: deny, rule: default-deny }
  - name: reading a secret is allowed, masked
    request: { agent: any-agent, verb: get, resource: secrets, namespace: prod, name: db }
    expect: { action: allow, rule: reads, unmasked: false, recording: request }
  - name: watching pods is allowed
    request: { agent: any-agent, verb: watch, resource: pods, namespace: default }
    expect: { action: allow, rule: reads }
  - name: a dry-run delete in production is allowed and recorded like a read
    request: { agent: any-agent, verb: delete, resource: deployments, apiGroup: apps, namespace: prod, name: web, dryRun: true }
    expect: { action: allow, rule: dry-runs, recording: request }
  - name: impersonation is denied
    request: { agent: any-agent, verb: impersonate, resource: users, name: admin }
    expect: { action: deny, rule: no-impersonation }
  - name: minting a service account token is denied
    request: { agent: any-agent, verb: create, resource: serviceaccounts/token, namespace: default, name: builder }
    expect: { action: deny, rule: no-token-minting }
  - name: nodes/proxy is denied even for a GET
    request: { agent: any-agent, verb: get, resource: nodes/proxy, name: node-1 }
    expect: { action: deny, rule: no-node-proxy }
  - name: RBAC bind is denied
    request: { agent: any-agent, verb: bind, apiGroup: rbac.authorization.k8s.io, resource: clusterroles, name: cluster-admin }
    expect: { action: deny, rule: no-rbac-escalation }
  - name: RBAC escalate is denied
    request: { agent: any-agent, verb: escalate, apiGroup: rbac.authorization.k8s.io, resource: roles, namespace: dev, name: editor }
    expect: { action: deny, rule: no-rbac-escalation }
  - name: approving a CSR is denied
    request: { agent: any-agent, verb: update, apiGroup: certificates.k8s.io, resource: certificatesigningrequests/approval, name: csr-1 }
    expect: { action: deny, rule: no-csr-approval }
  - name: exec over WebSocket (a GET) needs review
    request: { agent: any-agent, verb: get, resource: pods/exec, namespace: dev, name: web-0 }
    expect: { action: review, rule: review-pod-sessions }
  - name: port-forward needs review
    request: { agent: any-agent, verb: create, resource: pods/portforward, namespace: dev, name: web-0 }
    expect: { action: review, rule: review-pod-sessions }
  - name: service proxy needs review
    request: { agent: any-agent, verb: get, resource: services/proxy, namespace: dev, name: web }
    expect: { action: review, rule: review-proxy }
  - name: deleting a pod needs review
    request: { agent: any-agent, verb: delete, resource: pods, namespace: dev, name: web-0 }
    expect: { action: review, rule: review-deletes }
  - name: deleting a collection needs review
    request: { agent: any-agent, verb: deletecollection, resource: configmaps, namespace: dev }
    expect: { action: review, rule: review-deletes }
  - name: evicting a pod needs review
    request: { agent: any-agent, verb: create, resource: pods/eviction, namespace: dev, name: web-0 }
    expect: { action: review, rule: review-indirect-deletes }
  - name: creating a role binding needs review
    request: { agent: any-agent, verb: create, apiGroup: rbac.authorization.k8s.io, resource: rolebindings, namespace: dev }
    expect: { action: review, rule: review-rbac-writes }
  - name: patching a cluster role needs review
    request: { agent: any-agent, verb: patch, apiGroup: rbac.authorization.k8s.io, resource: clusterroles, name: view }
    expect: { action: review, rule: review-rbac-writes }
  - name: writing a secret needs review
    request: { agent: any-agent, verb: update, resource: secrets, namespace: dev, name: api-key }
    expect: { action: review, rule: review-secret-writes }
  - name: writing in prod needs review
    request: { agent: any-agent, verb: patch, apiGroup: apps, resource: deployments, namespace: prod, name: web }
    expect: { action: review, rule: review-production-writes }
  - name: writing in a -prod namespace needs review
    request: { agent: any-agent, verb: create, resource: configmaps, namespace: payments-prod }
    expect: { action: review, rule: review-production-writes }
  - name: writing in production-eu needs review
    request: { agent: any-agent, verb: update, apiGroup: apps, resource: deployments/scale, namespace: production-eu, name: web }
    expect: { action: review, rule: review-production-writes }
  - name: writing in kube-system needs review
    request: { agent: any-agent, verb: patch, resource: configmaps, namespace: kube-system, name: coredns }
    expect: { action: review, rule: review-production-writes }
  - name: creating a CRD needs review
    request: { agent: any-agent, verb: create, apiGroup: apiextensions.k8s.io, resource: customresourcedefinitions }
    expect: { action: review, rule: review-cluster-extensions }
  - name: changing a webhook configuration needs review
    request: { agent: any-agent, verb: update, apiGroup: admissionregistration.k8s.io, resource: mutatingwebhookconfigurations, name: inject }
    expect: { action: review, rule: review-cluster-extensions }
  - name: an ordinary write outside production is allowed
    request: { agent: any-agent, verb: patch, apiGroup: apps, resource: deployments, namespace: staging, name: web }
    expect: { action: allow, rule: other-writes }
  - name: a namespace that merely contains prod is not production
    request: { agent: any-agent, verb: create, resource: configmaps, namespace: reproduce }
    expect: { action: allow, rule: other-writes }
  - name: the legacy /proxy/ path verb is denied
    request: { agent: any-agent, verb: proxy, resource: pods, namespace: dev, name: web-0 }
    expect: { action: deny, rule: default-deny }
`;
