import { existsSync } from 'node:fs';
import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import { identifierConflicts } from '../reviews/people.js';

/** One source of truth for configuration: the YAML file, after env overrides, must satisfy this schema. */

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:8080');

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  try {
    return parseDuration(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const positiveDuration = duration.pipe(z.number().positive('must be longer than 0s'));

const secretRef = z.strictObject({ value: z.string().min(1).optional(), file: z.string().min(1).optional() });

const issuer = z.strictObject({
  issuer: z.string().url(),
  audiences: z.array(z.string().min(1)).min(1),
  jwksUri: z.string().url().optional(),
  algorithms: z.array(z.string()).default(['RS256', 'ES256', 'PS256', 'EdDSA']),
  claims: z
    .strictObject({
      name: z.string().default('sub'),
      groups: z.string().default('groups'),
      owner: z.string().default('email'),
    })
    .default({ name: 'sub', groups: 'groups', owner: 'email' }),
  clockSkew: duration.pipe(z.number().max(300, 'must be at most 5m')).default(30),
  maxLifetime: positiveDuration.default(3600),
});

/** Token exchange (`POST /auth/token`): Airlock's own short-lived, scoped tokens for agents. */
const EXCHANGE_DEFAULTS = { issuer: 'airlock', lifetime: 600, keyRotation: 86_400, signingKeyFiles: [] };
const tokenExchange = z
  .strictObject({
    /** The `iss` of exchanged tokens; must differ from every configured issuer. */
    issuer: z.string().min(1).default(EXCHANGE_DEFAULTS.issuer),
    /** Lifetime of an exchanged token (never longer than the token it replaces has left). */
    lifetime: positiveDuration
      .pipe(z.number().max(3600, 'must be at most 1h: exchanged tokens are short-lived'))
      .default(EXCHANGE_DEFAULTS.lifetime),
    /** Age at which the signing key is replaced; the previous key stays valid until the next rotation. */
    keyRotation: positiveDuration.default(EXCHANGE_DEFAULTS.keyRotation),
    /** PEM files (PKCS#8, EC P-256) every replica shares; the first signs, all verify. Without them Airlock
     * generates and rotates keys in its data directory, which is only sound for a single replica. */
    signingKeyFiles: z.array(z.string().min(1)).default([]),
  })
  .refine((exchange) => exchange.keyRotation >= exchange.lifetime, {
    message: 'keyRotation must be at least lifetime, so a retired key outlives every token it signed',
    path: ['keyRotation'],
  })
  .default(EXCHANGE_DEFAULTS);

const cluster = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower-case, digits, -)'),
  /** kubeconfig file (defaults to $KUBECONFIG / ~/.kube/config) */
  kubeconfig: z.string().optional(),
  /** context in that kubeconfig (defaults to its current context) */
  context: z.string().optional(),
  /** use the pod's service account instead of a kubeconfig */
  inCluster: z.boolean().default(false),
  /** send Impersonate-User/Group/Extra for the agent so cluster RBAC and audit see it */
  impersonate: z.boolean().default(false),
  /** also serve this cluster at the root paths (for `kubectl get --raw` and tools that drop the server path);
   * implied when it is the only cluster */
  default: z.boolean().default(false),
});

const fieldRule = z.strictObject({
  kinds: z.array(z.string()).min(1),
  namespaces: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  paths: z.array(z.string()).min(1),
});

/** A person who may decide reviews: one identity across Slack and the terminal (src/reviews/people.ts). */
const person = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1).optional(),
  email: z.string().email().optional(),
  slack: z
    .string()
    .regex(/^[UW][A-Z0-9]{2,20}$/, 'must be a Slack user id (U… or W…)')
    .optional(),
  groups: z.array(z.string().min(1)).default([]),
});

export const configSchema = z
  .strictObject({
    proxy: z
      .strictObject({
        listen: listen.default('127.0.0.1:8080'),
        /** certificate to serve; without one Airlock makes its own (CA kept in dataDir), see serving-certificate.ts */
        tls: z.strictObject({ certFile: z.string(), keyFile: z.string() }).optional(),
        /** serve plain HTTP (only behind a TLS-terminating proxy: kubectl never sends tokens over plain HTTP) */
        plainHttp: z.boolean().default(false),
        /** largest request body accepted from an agent (kube-apiserver's own limit is 3 MiB) */
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .default(3 * 1024 * 1024),
        /** serve the MCP endpoint at /mcp (its tools run through the same pipeline as kubectl) */
        mcp: z.boolean().default(true),
        /** public URL agents use, for generated kubeconfigs (defaults to http(s)://listen) */
        publicUrl: z.string().url().optional(),
        timeouts: z
          .strictObject({
            /** deadline of a short request once forwarded (kube-apiserver's --request-timeout); long-running ones have none */
            request: positiveDuration.default(60),
            /** time to receive a request's headers (slow-loris connections are cut after it) */
            headers: positiveDuration.default(10),
            /** longest pause inside an upload before it is cut with 408 */
            bodyIdle: positiveDuration.default(10),
          })
          .default({ request: 60, headers: 10, bodyIdle: 10 }),
        limits: z
          .strictObject({
            /** requests one agent may have in flight (parked ones included) */
            maxInFlightPerAgent: z.number().int().positive().default(128),
            /** watches, logs, exec, port-forward and proxy sessions one agent may hold open */
            maxLongRunningPerAgent: z.number().int().positive().default(64),
          })
          .default({ maxInFlightPerAgent: 128, maxLongRunningPerAgent: 64 }),
      })
      .default({
        listen: '127.0.0.1:8080',
        plainHttp: false,
        mcp: true,
        maxBodyBytes: 3 * 1024 * 1024,
        timeouts: { request: 60, headers: 10, bodyIdle: 10 },
        limits: { maxInFlightPerAgent: 128, maxLongRunningPerAgent: 64 },
      }),
    web: z.strictObject({ listen: listen.default('127.0.0.1:3000') }).default({ listen: '127.0.0.1:3000' }),
    /** health, readiness and metrics: not for the public (Slack-facing) web listener */
    internal: z
      .strictObject({ listen: listen.default('127.0.0.1:9090') })
      .default({ listen: '127.0.0.1:9090' }),
    dataDir: z.string().default('./data'),
    database: z
      .strictObject({
        url: z
          .string()
          .regex(
            /^(sqlite:|file:|postgres:\/\/|postgresql:\/\/)/,
            'must start with sqlite: (a file) or postgres:// — any other scheme would silently become a local SQLite file',
          )
          .optional(),
      })
      .default({}),
    policy: z.strictObject({ file: z.string().optional() }).default({}),
    identity: z
      .strictObject({
        issuers: z.array(issuer).default([]),
        localIssuer: z
          // Agent tokens are meant to be short-lived; an hour covers a working session. `enabled` unset means: on only
          // for local development (no real issuer configured and the proxy on loopback), see `withLocalIssuerDecided`.
          .strictObject({ enabled: z.boolean().optional(), maxLifetime: positiveDuration.default(3600) })
          .default({ maxLifetime: 3600 }),
        exchange: tokenExchange,
      })
      .default({ issuers: [], localIssuer: { maxLifetime: 3600 }, exchange: EXCHANGE_DEFAULTS }),
    clusters: z
      .array(cluster)
      .default([])
      .superRefine((clusters, ctx) => {
        const names = clusters.map((c) => c.name);
        const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
        if (repeated.length > 0)
          ctx.addIssue({
            code: 'custom',
            message: `cluster names must be unique (repeated: ${repeated.join(', ')})`,
          });
        const defaults = clusters.filter((c) => c.default).map((c) => c.name);
        if (defaults.length > 1)
          ctx.addIssue({
            code: 'custom',
            message: `only one cluster may be the default (marked: ${defaults.join(', ')})`,
          });
      }),
    masking: z
      .strictObject({
        fieldRules: z.array(fieldRule).default([]),
        credentialEnvNames: z.string().optional(),
      })
      .default({ fieldRules: [] }),
    recording: z
      .strictObject({
        batch: positiveDuration.default(0.1),
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .default(64 * 1024),
        retention: z
          .strictObject({ olderThan: positiveDuration, every: positiveDuration.default(3600) })
          .optional(),
        /** Chain heads signed with a key kept outside the database (see src/recording/seals.ts). */
        seal: z
          .strictObject({
            /** The key's bytes: a file (a mounted Secret) or, for environments that only pass variables, the value. */
            keyFile: z.string().min(1).optional(),
            key: z.string().min(1).optional(),
            every: positiveDuration.default(60),
          })
          .refine((seal) => (seal.keyFile === undefined) !== (seal.key === undefined), {
            message: 'needs exactly one of keyFile (AIRLOCK_SEAL_KEY_FILE) and key (AIRLOCK_SEAL_KEY)',
          })
          .optional(),
      })
      .default({ batch: 0.1, maxBodyBytes: 64 * 1024 }),
    slack: z
      .strictObject({
        botToken: secretRef.optional(),
        signingSecret: secretRef.optional(),
        apiUrl: z.string().url().default('https://slack.com/api/'),
        channel: z.string().optional(),
        approvers: z.array(z.string()).default([]),
        auditors: z.array(z.string()).default([]),
      })
      .default({ apiUrl: 'https://slack.com/api/', approvers: [], auditors: [] }),
    /** Who may decide reviews, by immutable identity; terminal names outside this list act only as break-glass. */
    people: z
      .array(person)
      .default([])
      .superRefine((people, ctx) => {
        for (const message of identifierConflicts(people)) ctx.addIssue({ code: 'custom', message });
      }),
    reviews: z
      .strictObject({
        /**
         * How long an approved request's execution counts as alive without a heartbeat (renewed four times per
         * period while it runs); past it, any replica resolves the review as failed, outcome unknown.
         */
        executionLease: positiveDuration.default(60),
      })
      .default({ executionLease: 60 }),
    log: z
      .strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') })
      .default({ level: 'info' }),
  })
  .superRefine((config, ctx) => {
    const { slack, proxy, recording } = config;
    if ((slack.botToken || slack.signingSecret) && !slack.channel) {
      ctx.addIssue({
        code: 'custom',
        path: ['slack', 'channel'],
        message: 'is required when Slack is configured (the channel cards go to, e.g. C0123OPS)',
      });
    }
    for (const key of ['certFile', 'keyFile'] as const) {
      const file = proxy.tls?.[key];
      if (file !== undefined && !existsSync(file))
        ctx.addIssue({ code: 'custom', path: ['proxy', 'tls', key], message: `file ${file} does not exist` });
    }
    const sealFile = recording.seal?.keyFile;
    if (sealFile !== undefined && !existsSync(sealFile))
      ctx.addIssue({
        code: 'custom',
        path: ['recording', 'seal', 'keyFile'],
        message: `file ${sealFile} does not exist`,
      });
  })
  .transform(withLocalIssuerDecided);

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/**
 * The local development issuer mints tokens for anyone who can run `airlock token mint` on this machine: it is on by
 * default only for local development — no real issuer configured and the proxy on loopback — unless set explicitly.
 */
function withLocalIssuerDecided<
  C extends {
    proxy: { listen: string };
    identity: { issuers: unknown[]; localIssuer: { enabled?: boolean; maxLifetime: number } };
  },
>(config: C): C & { identity: { localIssuer: { enabled: boolean } } } {
  const host = config.proxy.listen.slice(0, config.proxy.listen.lastIndexOf(':'));
  const enabled =
    config.identity.localIssuer.enabled ?? (config.identity.issuers.length === 0 && LOOPBACK.test(host));
  return {
    ...config,
    identity: { ...config.identity, localIssuer: { ...config.identity.localIssuer, enabled } },
  };
}

export type AirlockConfig = z.output<typeof configSchema>;
export type IssuerSettings = z.output<typeof issuer>;
export type ClusterSettings = z.output<typeof cluster>;
