import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { databaseUrl, resolveSealKey } from './config/load.js';
import type { AirlockConfig } from './config/schema.js';
import { dialectOf, openDatabase, type Database } from './db/database.js';
import { createGateway, type Gateway } from './gateway/pipeline.js';
import type { IssuerConfig } from './identity/issuer-config.js';
import { EXCHANGE_AUDIENCE, loadExchangeIssuer } from './identity/exchange-issuer.js';
import { loadOrCreateLocalIssuer } from './identity/local-issuer.js';
import { createTokenVerifier } from './identity/token-verifier.js';
import { cacheVerifiedTokens } from './identity/verified-token-cache.js';
import { refuseRevokedSessions, sessionRevoked } from './identity/revocation.js';
import { watchRevocations } from './db/session-revocations.js';
import { defaultKubeconfig, loadClusters, type UpstreamCluster } from './kube/upstream.js';
import type { Logger } from './lib/logger.js';
import { createMasker, defaultMaskingConfig } from './masking/index.js';
import { approverDefaults, builtInPolicy, loadPolicyFile } from './policy/load.js';
import type { Policy } from './policy/model.js';
import { createRecorder, RecordingQueueFullError, type Recorder } from './recording/recorder.js';
import { startSealSchedule } from './recording/seals.js';
import { startRetentionSchedule } from './db/retention.js';
import { loadOrCreateServingCertificate } from './gateway/serving-certificate.js';
import { createInternalApp, createWebApp } from './web/app.js';
import { Lifecycle } from './lib/lifecycle.js';
import { createMetrics } from './web/metrics.js';
import { registerStoreGauges } from './web/store-gauges.js';
import { createClusterBodyDecoder } from './gateway/cluster-decode.js';
import { withTokenEndpoints } from './gateway/token-endpoint.js';
import { withMcpEndpoint } from './mcp/endpoint.js';
import { loopbackKubeApi } from './mcp/kube-api.js';
import { createReviewGate } from './gateway/engine-review-gate.js';
import { DEFAULT_RETRY_DELAYS_MS } from './gateway/execution-lease.js';
import { createReviewEngine, type ReviewEngine } from './reviews/engine.js';
import type { ReviewEventType } from './reviews/model.js';
import { createInspector } from './preview/inspect.js';
import { createPreviewer } from './preview/previewer.js';
import { slackDisabledReason } from './slack/settings.js';
import { PeopleDirectory } from './reviews/people.js';

export interface RunningAirlock {
  proxyUrl: string;
  webUrl: string;
  /** Health, readiness and metrics. */
  internalUrl: string;
  db: Database;
  reviews: ReviewEngine;
  gateway: Gateway;
  close(): Promise<void>;
}

export async function loadConfiguredPolicy(config: AirlockConfig): Promise<Policy> {
  const defaults = approverDefaults(config);
  return config.policy.file ? loadPolicyFile(config.policy.file, defaults) : builtInPolicy(defaults);
}

function toIssuerConfig(s: AirlockConfig['identity']['issuers'][number]): IssuerConfig {
  return {
    issuer: s.issuer,
    audiences: s.audiences,
    ...(s.jwksUri ? { jwksUri: s.jwksUri } : {}),
    algorithms: s.algorithms,
    claims: s.claims,
    clockSkewSeconds: s.clockSkew,
    maxLifetimeSeconds: s.maxLifetime,
  };
}

async function servingTls(config: AirlockConfig): Promise<{ cert: Buffer | string; key: Buffer | string }> {
  const { tls } = config.proxy;
  if (tls) return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
  const host = config.proxy.listen.slice(0, config.proxy.listen.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  const publicHost = config.proxy.publicUrl ? new URL(config.proxy.publicUrl).hostname : undefined;
  const own = await loadOrCreateServingCertificate(config.dataDir, [
    host,
    ...(publicHost ? [publicHost] : []),
  ]);
  return { cert: own.certPem, key: own.keyPem };
}

/** Listens on `address` (the value of config key `key`); a failure names the key, e.g. a port already in use. */
function listen(server: http.Server, address: string, key: string): Promise<string> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${key} ${address}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.message}`,
          { cause: err },
        ),
      ),
    );
    server.listen(port, host, () => {
      const { address: h, port: p } = server.address() as AddressInfo;
      resolve(`${h.includes(':') ? `[${h}]` : h}:${p}`);
    });
  });
}

/** Waits for in-flight requests (bounded), so a graceful stop loses no recording and cuts no response short. */
async function drain(gateway: Gateway, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (gateway.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** Review events that end a stage, for the review latency histogram. */
const REVIEW_STAGES: Partial<Record<ReviewEventType, 'decided' | 'executed'>> = {
  approved: 'decided',
  denied: 'decided',
  executed: 'executed',
  failed: 'executed',
  conflicted: 'executed',
};

/** The composition root: every concrete adapter is chosen here and nowhere else. */
export async function startAirlock(
  config: AirlockConfig,
  opts: { logger: Logger; env?: NodeJS.ProcessEnv },
): Promise<RunningAirlock> {
  const lifecycle = new Lifecycle();
  try {
    return await start(config, opts, lifecycle);
  } catch (err) {
    // Whatever had started stops again, so a failed start leaves nothing running and the process can exit.
    await lifecycle
      .close()
      .catch((stopErr: unknown) =>
        opts.logger.error({ err: (stopErr as Error).message }, 'stopping after a failed start'),
      );
    throw err;
  }
}

async function start(
  config: AirlockConfig,
  opts: { logger: Logger; env?: NodeJS.ProcessEnv },
  lifecycle: Lifecycle,
): Promise<RunningAirlock> {
  const { logger } = opts;
  const env = opts.env ?? process.env;
  const db = await openDatabase(databaseUrl(config));
  lifecycle.onStop('database', () => db.destroy());

  const issuers = config.identity.issuers.map(toIssuerConfig);
  if (config.identity.localIssuer.enabled) {
    const local = await loadOrCreateLocalIssuer(config.dataDir, {
      maxLifetimeSeconds: config.identity.localIssuer.maxLifetime,
    });
    issuers.push(local.config);
    logger.info(
      { issuer: local.config.issuer },
      'local development issuer enabled: mint tokens with `airlock token mint`',
    );
  }
  const exchangeIssuer = await loadExchangeIssuer(config.dataDir, {
    issuer: config.identity.exchange.issuer,
    audience: EXCHANGE_AUDIENCE,
    lifetimeSeconds: config.identity.exchange.lifetime,
    keyRotationSeconds: config.identity.exchange.keyRotation,
    signingKeyFiles: config.identity.exchange.signingKeyFiles,
  });
  // Only a shared (Postgres) store makes several replicas possible; with SQLite there is one, and nothing to warn of.
  if (config.identity.exchange.signingKeyFiles.length === 0 && dialectOf(databaseUrl(config)) === 'postgres')
    logger.warn(
      'token exchange signs with keys generated in the data directory: fine for one replica, but replicas would ' +
        'each sign with their own; for several, set identity.exchange.signingKeyFiles (AIRLOCK_EXCHANGE_SIGNING_KEY_FILES)',
    );
  // Airlock accepts the tokens it issues by exchange as agent credentials, like any configured issuer's.
  issuers.push(exchangeIssuer.config);
  const revocations = await watchRevocations(db, {
    refreshMs: 1000,
    onError: (err) => logger.error({ err: err.message }, 'could not read session revocations'),
  });
  lifecycle.onStop('session revocations', () => revocations.stop());
  // Outside the cache: a revoked session's tokens are refused even while their verification is cached.
  const verifier = refuseRevokedSessions(cacheVerifiedTokens(createTokenVerifier({ issuers })), revocations);

  const policy = await loadConfiguredPolicy(config);
  logger.info({ policy: policy.source, rules: policy.rules.length }, 'policy loaded');

  const clusters: UpstreamCluster[] = await loadClusters(config.clusters, env);
  lifecycle.onStop('cluster connections', () => Promise.all(clusters.map((c) => c.close())));
  if (clusters.length === 0) {
    const { missing } = defaultKubeconfig(env);
    logger.warn(
      `no upstream cluster configured${missing.length ? ` (KUBECONFIG names ${missing.join(', ')}, which does not exist)` : ''}: ` +
        'set KUBECONFIG to an existing kubeconfig or add `clusters:` to airlock.yaml; agents get a 503 until then',
    );
  }
  // The only cluster, or the one marked `default: true`, is also served at the root paths.
  const defaultCluster =
    clusters.length === 1 ? clusters[0]!.name : config.clusters.find((c) => c.default)?.name;
  for (const c of clusters)
    logger.info({ cluster: c.name, server: c.server.origin, impersonate: c.impersonate }, 'cluster');

  const metrics = createMetrics();
  registerStoreGauges(metrics, db);
  const masker = createMasker({
    ...defaultMaskingConfig(),
    fieldRules: config.masking.fieldRules,
    ...(config.masking.credentialEnvNames ? { credentialEnvNames: config.masking.credentialEnvNames } : {}),
  });
  const seal = config.recording.seal;
  if (seal) {
    // Registered before the recorder, so it stops after the recorder's last flush and its final seal covers every event.
    lifecycle.onStop(
      'chain seals',
      startSealSchedule(db, resolveSealKey(seal), seal.every, (err) =>
        logger.error({ err: err.message }, 'audit: sealing the chain heads failed'),
      ),
    );
  }
  const recorder: Recorder = createRecorder(db, {
    batchMs: config.recording.batch * 1000,
    maxBodyBytes: config.recording.maxBodyBytes,
    onError: (err) => {
      metrics.recorderFailed(err instanceof RecordingQueueFullError ? 'dropped' : 'store');
      logger.error({ err: err.message }, 'recording store failing');
    },
  });
  lifecycle.onStop('recorder', () => recorder.close());
  const slackOff = slackDisabledReason(config.slack);
  const slack = slackOff
    ? undefined
    : // Bolt and the Slack client are loaded only when Slack is configured (~15 MiB resident otherwise).
      (await import('./slack/adapter.js')).createSlackAdapter({
        config: config.slack,
        db,
        reviews: () => reviews,
        people: new PeopleDirectory(config.people),
        logger,
      });
  if (slackOff) {
    logger.warn(
      `Slack approvals are off (${slackOff}): decide reviews with \`airlock reviews approve|deny\``,
    );
  }
  const clustersByName = new Map(clusters.map((c) => [c.name, c]));
  const reviews = createReviewEngine(
    db,
    {
      notify: (event) => {
        logger.info({ review: event.review.id, event: event.type, actor: event.actor.name }, 'review');
        const stage = REVIEW_STAGES[event.type];
        if (stage) metrics.reviewStage(stage, (event.at.getTime() - event.review.createdAt.getTime()) / 1000);
      },
      now: () => new Date(),
      preview: createPreviewer({ clusters: clustersByName, masker }),
      inspect: createInspector({ clusters: clustersByName }),
      reportError: (err) =>
        logger.error({ err: (err as Error).message }, 'review engine background task failed'),
    },
    { executionLeaseSeconds: config.reviews.executionLease },
  );
  reviews.start();
  lifecycle.onStop('review engine', () => reviews.stop());
  if (slack) {
    slack.start();
    lifecycle.onStop('Slack', () => slack.stop());
  }

  const gateway = createGateway({
    clusters: clustersByName,
    ...(defaultCluster ? { defaultCluster } : {}),
    decodeBody: createClusterBodyDecoder({ masker, timeoutMs: 10_000 }),
    verifier,
    policy: () => policy,
    masker,
    recorder,
    reviewGate: createReviewGate(reviews, masker, {
      heartbeatMs: (config.reviews.executionLease * 1000) / 4,
      retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
      onError: (err, during) => logger.error({ err: (err as Error).message }, `could not ${during}`),
    }),
    metrics,
    logger,
    maxBodyBytes: config.proxy.maxBodyBytes,
    requestTimeoutMs: config.proxy.timeouts.request * 1000,
    bodyIdleTimeoutMs: config.proxy.timeouts.bodyIdle * 1000,
    limits: {
      maxInFlight: config.proxy.limits.maxInFlightPerAgent,
      maxLongRunning: config.proxy.limits.maxLongRunningPerAgent,
    },
  });
  // What a revoked session has open (parked, watching, exec) ends at once, answered with who revoked it and why.
  revocations.onRevoked((revocation) => gateway.endSession(revocation.tokenId, sessionRevoked(revocation)));
  // Its open reviews and grants end too; at start as well, for revocations made while no replica ran.
  const endRevokedSessions = () =>
    reviews.endRevokedSessions().then(
      (ended) => {
        if (ended.reviews + ended.grants > 0)
          logger.info(ended, 'ended the reviews and grants of revoked sessions');
      },
      (err: unknown) =>
        logger.error({ err: (err as Error).message }, 'could not end the grants of revoked sessions'),
    );
  revocations.onRevoked(() => void endRevokedSessions());
  await endRevokedSessions();

  // Node's request timeout only covers receiving a request, so parked requests and watches are unaffected by it;
  // uploads are bounded by their own idle timeout and the request deadline. Expired connections are checked every second.
  const serverOptions: http.ServerOptions = {
    headersTimeout: config.proxy.timeouts.headers * 1000,
    requestTimeout: (config.proxy.timeouts.headers + config.proxy.timeouts.request) * 1000,
    connectionsCheckingInterval: 1000,
    keepAliveTimeout: 65_000,
  };
  // MCP tools call the gateway like any agent, over a loopback listener serving the very same handler.
  const loopbackServer = config.proxy.mcp
    ? http.createServer(serverOptions, gateway.handleRequest)
    : undefined;
  const proxyHandler = withTokenEndpoints(
    {
      verifier,
      issuer: exchangeIssuer,
      revocations,
      policy: () => policy,
      clusters: new Set(clustersByName.keys()),
      logger,
    },
    loopbackServer
      ? withMcpEndpoint(
          {
            verifier,
            kube: () => loopbackKubeApi(new URL(`http://${loopbackAddress}`)),
            reviews,
            logger,
            maxBodyBytes: config.proxy.maxBodyBytes,
            bodyIdleTimeoutMs: config.proxy.timeouts.bodyIdle * 1000,
          },
          gateway.handleRequest,
        )
      : gateway.handleRequest,
  );
  const proxyServer = config.proxy.plainHttp
    ? http.createServer(serverOptions, proxyHandler)
    : https.createServer({ ...serverOptions, ...(await servingTls(config)) }, proxyHandler);
  proxyServer.on('upgrade', gateway.handleUpgrade);

  metrics.gauge('airlock_parked_requests', 'Agent requests this replica holds while humans decide.', () =>
    gateway.parked(),
  );
  metrics.gauge('airlock_recorder_queue_depth', 'Recorded events waiting to be stored.', () =>
    recorder.queued(),
  );
  const webServer = http.createServer(createWebApp(slack ? { slack: slack.handler } : {}));
  const internalServer = http.createServer(createInternalApp({ db, clusters, metrics }));
  const servers = [proxyServer, webServer, internalServer, ...(loopbackServer ? [loopbackServer] : [])];
  lifecycle.onStop('listeners', async () => {
    for (const server of servers) server.close();
    gateway.stop();
    await drain(gateway, 10_000);
    for (const server of servers) server.closeAllConnections();
    await drain(gateway, 1_000); // requests cut just now still record their outcome
  });
  const loopbackAddress = loopbackServer ? await listen(loopbackServer, '127.0.0.1:0', 'proxy.mcp') : '';
  const proxyAddress = await listen(proxyServer, config.proxy.listen, 'proxy.listen');
  const webAddress = await listen(webServer, config.web.listen, 'web.listen');
  const internalAddress = await listen(internalServer, config.internal.listen, 'internal.listen');
  const proxyUrl = `${config.proxy.plainHttp ? 'http' : 'https'}://${proxyAddress}`;
  logger.info(
    { proxy: proxyUrl, web: `http://${webAddress}`, internal: `http://${internalAddress}` },
    'Airlock listening',
  );

  if (config.recording.retention) {
    lifecycle.onStop(
      'retention',
      startRetentionSchedule(db, {
        olderThanSeconds: config.recording.retention.olderThan,
        everySeconds: config.recording.retention.every,
        onPruned: (pruned) => logger.info(pruned, 'retention: pruned old records'),
        onError: (err) => logger.error({ err: err.message }, 'retention: prune failed'),
      }),
    );
  }

  return {
    proxyUrl,
    webUrl: `http://${webAddress}`,
    internalUrl: `http://${internalAddress}`,
    db,
    reviews,
    gateway,
    close: () => lifecycle.close(),
  };
}
