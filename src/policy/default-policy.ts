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

  # Pods that can reach the node or print a secret: what they do happens outside Airlock's masking and recording.
  # Matches pods, every workload's pod template, and patches that could set these fields.
  - name: review-pod-escapes
    match:
      verbs: [create, update, patch]
      podSpec: [privileged, hostPath, hostNamespaces, addedCapabilities, secretMounts]
    action: review
    message: gives a pod the node (privileged, host paths or namespaces, added capabilities) or a Secret it could print, where Airlock can neither mask nor record what it does
    review: { confirm: true }

  # The deletes that hurt most ask for a confirmation (and give no grants): anything in production, a namespace with
  # everything in it, and storage, whose data goes with it.
  - name: review-production-deletes
    match:
      verbs: [delete, deletecollection]
      namespaces: [prod, prod-*, '*-prod', production*, kube-system]
    action: review
    message: deletes in a production or system namespace, which cannot be undone
    review: { confirm: true }
  - name: review-namespace-and-storage-deletes
    match: { verbs: [delete, deletecollection], resources: [namespaces, persistentvolumeclaims, persistentvolumes] }
    action: review
    message: deletes a namespace with everything in it, or stored data; neither can be undone
    review: { confirm: true }
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
  # Any API group: a custom resource of the same name is reviewed too, which is the safe side.
  - name: review-cluster-extensions
    match:
      verbs: [create, update, patch]
      resources:
        - customresourcedefinitions
        - apiservices
        - validatingwebhookconfigurations
        - mutatingwebhookconfigurations
        - validatingadmissionpolicies
        - validatingadmissionpolicybindings
        - mutatingadmissionpolicies
        - mutatingadmissionpolicybindings
        - flowschemas
        - prioritylevelconfigurations
    action: review
    message: changes the cluster's API, what every request passes through, or how the API server ranks requests
    review: { confirm: true }
  - name: review-node-and-credential-writes
    match:
      verbs: [create, update, patch]
      resources: [nodes, nodes/status, persistentvolumes, certificatesigningrequests, certificatesigningrequests/status]
    action: review
    message: changes a node, a persistent volume (which can hand any pod a host path) or a request for a cluster certificate
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
  - name: deleting in production asks for confirmation
    request: { agent: any-agent, verb: delete, apiGroup: apps, resource: deployments, namespace: prod, name: web }
    expect: { action: review, rule: review-production-deletes }
  - name: deleting a namespace asks for confirmation
    request: { agent: any-agent, verb: delete, resource: namespaces, namespace: team-a, name: team-a }
    expect: { action: review, rule: review-namespace-and-storage-deletes }
  - name: deleting a volume claim asks for confirmation
    request: { agent: any-agent, verb: delete, resource: persistentvolumeclaims, namespace: dev, name: data }
    expect: { action: review, rule: review-namespace-and-storage-deletes }
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
  - name: a privileged pod needs review
    request:
      agent: any-agent
      verb: create
      resource: pods
      namespace: dev
      body: { kind: Pod, spec: { containers: [{ name: c, image: busybox, securityContext: { privileged: true } }] } }
    expect: { action: review, rule: review-pod-escapes }
  - name: kubectl debug node (hostPID, hostNetwork and the node's root) needs review
    request:
      agent: any-agent
      verb: create
      resource: pods
      namespace: default
      body:
        kind: Pod
        spec:
          hostPID: true
          hostNetwork: true
          containers: [{ name: debugger, image: busybox, volumeMounts: [{ name: host-root, mountPath: /host }] }]
          volumes: [{ name: host-root, hostPath: { path: / } }]
    expect: { action: review, rule: review-pod-escapes }
  - name: a deployment whose template adds SYS_ADMIN needs review
    request:
      agent: any-agent
      verb: create
      apiGroup: apps
      resource: deployments
      namespace: dev
      body:
        spec:
          template:
            spec:
              containers: [{ name: c, image: busybox, securityContext: { capabilities: { add: [SYS_ADMIN] } } }]
    expect: { action: review, rule: review-pod-escapes }
  - name: a cronjob whose job template mounts a Secret needs review
    request:
      agent: any-agent
      verb: create
      apiGroup: batch
      resource: cronjobs
      namespace: dev
      body:
        spec:
          jobTemplate:
            spec:
              template:
                spec:
                  containers: [{ name: c, image: busybox, envFrom: [{ secretRef: { name: db } }] }]
    expect: { action: review, rule: review-pod-escapes }
  - name: a secret volume in a statefulset needs review
    request:
      agent: any-agent
      verb: update
      apiGroup: apps
      resource: statefulsets
      namespace: dev
      name: db
      body: { spec: { template: { spec: { volumes: [{ name: s, secret: { secretName: db } }] } } } }
    expect: { action: review, rule: review-pod-escapes }
  - name: an env var from a Secret in a daemonset patch needs review
    request:
      agent: any-agent
      verb: patch
      apiGroup: apps
      resource: daemonsets
      namespace: dev
      name: agent
      body:
        spec:
          template:
            spec:
              containers: [{ name: c, env: [{ name: TOKEN, valueFrom: { secretKeyRef: { name: api, key: token } } }] }]
    expect: { action: review, rule: review-pod-escapes }
  - name: a JSON patch that turns on hostPID needs review
    request:
      agent: any-agent
      verb: patch
      apiGroup: apps
      resource: deployments
      namespace: dev
      name: web
      body: [{ op: add, path: /spec/template/spec/hostPID, value: true }]
    expect: { action: review, rule: review-pod-escapes }
  - name: a JSON patch that appends a hostPath volume needs review
    request:
      agent: any-agent
      verb: patch
      resource: replicationcontrollers
      namespace: dev
      name: web
      body: [{ op: add, path: /spec/template/spec/volumes/-, value: { name: h, hostPath: { path: /var/run } } }]
    expect: { action: review, rule: review-pod-escapes }
  - name: a JSON patch that copies into the pod template needs review (its value cannot be known)
    request:
      agent: any-agent
      verb: patch
      apiGroup: batch
      resource: jobs
      namespace: dev
      name: migrate
      body: [{ op: copy, from: /spec/template/spec/initContainers/0, path: /spec/template/spec/containers/1 }]
    expect: { action: review, rule: review-pod-escapes }
  - name: a pod template with a projected secret needs review
    request:
      agent: any-agent
      verb: create
      resource: podtemplates
      namespace: dev
      body: { template: { spec: { volumes: [{ name: p, projected: { sources: [{ secret: { name: db } }] } }] } } }
    expect: { action: review, rule: review-pod-escapes }
  - name: an ordinary pod is allowed
    request:
      agent: any-agent
      verb: create
      resource: pods
      namespace: dev
      body:
        kind: Pod
        metadata: { labels: { privileged: 'true' }, annotations: { secret: x } }
        spec: { containers: [{ name: c, image: busybox, securityContext: { privileged: false, capabilities: { drop: [ALL] } } }] }
    expect: { action: allow, rule: other-writes }
  - name: a dry run of a privileged pod is allowed (it runs nothing)
    request:
      agent: any-agent
      verb: create
      resource: pods
      namespace: dev
      dryRun: true
      body: { spec: { containers: [{ name: c, securityContext: { privileged: true } }] } }
    expect: { action: allow, rule: dry-runs }
  - name: registering an aggregated API needs review
    request: { agent: any-agent, verb: create, apiGroup: apiregistration.k8s.io, resource: apiservices }
    expect: { action: review, rule: review-cluster-extensions }
  - name: changing a validating admission policy binding needs review
    request: { agent: any-agent, verb: patch, apiGroup: admissionregistration.k8s.io, resource: validatingadmissionpolicybindings, name: b }
    expect: { action: review, rule: review-cluster-extensions }
  - name: creating a mutating admission policy needs review
    request: { agent: any-agent, verb: create, apiGroup: admissionregistration.k8s.io, resource: mutatingadmissionpolicies }
    expect: { action: review, rule: review-cluster-extensions }
  - name: changing API priority and fairness needs review
    request: { agent: any-agent, verb: update, apiGroup: flowcontrol.apiserver.k8s.io, resource: flowschemas, name: exempt }
    expect: { action: review, rule: review-cluster-extensions }
  - name: changing a priority level needs review
    request: { agent: any-agent, verb: patch, apiGroup: flowcontrol.apiserver.k8s.io, resource: prioritylevelconfigurations, name: workload-low }
    expect: { action: review, rule: review-cluster-extensions }
  - name: creating a persistent volume needs review
    request: { agent: any-agent, verb: create, resource: persistentvolumes }
    expect: { action: review, rule: review-node-and-credential-writes }
  - name: patching a node needs review
    request: { agent: any-agent, verb: patch, resource: nodes, name: node-1 }
    expect: { action: review, rule: review-node-and-credential-writes }
  - name: writing a node's status needs review
    request: { agent: any-agent, verb: update, resource: nodes/status, name: node-1 }
    expect: { action: review, rule: review-node-and-credential-writes }
  - name: creating a certificate signing request needs review
    request: { agent: any-agent, verb: create, apiGroup: certificates.k8s.io, resource: certificatesigningrequests }
    expect: { action: review, rule: review-node-and-credential-writes }
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
