/**
 * The Slack adapter of the review engine: follows the review events stored in SQL (into the SQL outbox), delivers
 * them as cards and thread replies, and turns clicks on the cards into decisions. The engine knows nothing of Slack.
 */
import { App, ExpressReceiver } from '@slack/bolt';
import express from 'express';
import type { RequestListener } from 'node:http';
import { resolveSecret } from '../config/load.js';
import { listen, REVIEWS_CHANNEL } from '../db/notify.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import type { ReviewEngine } from '../reviews/engine.js';
import { PeopleDirectory } from '../reviews/people.js';
import { SlackDirectory } from './directory.js';
import { registerReviewListeners } from './listeners/index.js';
import { createDelivery } from './outbox/delivery.js';
import { DEFAULT_FEED_OPTIONS, type EventFeedOptions, ReviewEventFeed } from './outbox/event-feed.js';
import type { OutboxMessage } from './outbox/messages.js';
import { OutboxStore } from './outbox/store.js';
import { slackDisabledReason, type SlackSettings } from './settings.js';
import { DEFAULT_WORKER_OPTIONS, OutboxWorker, type OutboxWorkerOptions } from './outbox/worker.js';
import { rejectFutureTimestamps } from './replay-guard.js';
import { registerAgentSessions, sessionsAccessFrom } from './sessions/index.js';
import {
  createInteractiveClient,
  createOutboxClient,
  INTERACTIVE_CLIENT_OPTIONS,
  slackLogger,
} from './web-client.js';

export interface SlackAdapter {
  /** Serves `/slack/*` on the web listener (Bolt's receiver is an express router, loaded with Bolt). */
  handler: RequestListener;
  /**
   * Starts following review events and delivering the outbox. Settles once the event cursor is in place (a new
   * one starts at the newest event); never rejects.
   */
  start(): Promise<void>;
  /** Waits for queued writes and the delivery in flight; undelivered messages stay in SQL for the next start. */
  stop(): Promise<void>;
}

export interface SlackAdapterDeps {
  config: SlackSettings;
  db: Database;
  /** A thunk: the engine may be created after the adapter. */
  reviews: () => ReviewEngine;
  /** The configured people (configuration `people`); without any, a Slack user decides as their Slack user id. */
  people?: PeopleDirectory;
  logger: Logger;
  now?: () => Date;
  /** Tests: faster polling and back-off, and responses sent after the listener finishes. */
  tuning?: {
    outbox?: Partial<OutboxWorkerOptions>;
    events?: Partial<EventFeedOptions>;
    processBeforeResponse?: boolean;
    cacheTtlMs?: number;
  };
}

export class SlackConfigError extends Error {
  constructor(reason: string) {
    super(`Slack approvals cannot start: ${reason}`);
    this.name = 'SlackConfigError';
  }
}

/**
 * Bolt's receiver under `/slack`, behind the replay guard, as an express app of its own (express comes with Bolt),
 * given the raw request: signatures cover the raw body. Errors never show their text.
 */
function slackWeb(
  receiver: ExpressReceiver,
  guard: ReturnType<typeof rejectFutureTimestamps>,
): RequestListener {
  const web = express();
  web.disable('x-powered-by');
  web.use('/slack', guard, receiver.router);
  web.use((_req: express.Request, res: express.Response) => {
    res.status(404).type('text/plain').send('not found');
  });
  web.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    res.status(500).type('text/plain').send('internal error');
  });
  return web;
}

export function createSlackAdapter(deps: SlackAdapterDeps): SlackAdapter {
  const { config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const botToken = resolveSecret(config.botToken);
  const signingSecret = resolveSecret(config.signingSecret);
  if (!botToken || !signingSecret)
    throw new SlackConfigError(slackDisabledReason(config) ?? 'missing credentials');

  const clientSettings = { botToken, apiUrl: config.apiUrl, logger };
  const directory = new SlackDirectory(createInteractiveClient(clientSettings), {
    now,
    ...(deps.tuning?.cacheTtlMs !== undefined ? { ttlMs: deps.tuning.cacheTtlMs } : {}),
  });
  const store = new OutboxStore(deps.db);
  const outboxClient = createOutboxClient(clientSettings);
  const worker = new OutboxWorker(
    store,
    createDelivery({
      client: outboxClient,
      reviews: deps.reviews,
      directory,
      ...(config.channel ? { defaultChannel: config.channel } : {}),
      logger,
    }),
    () => outboxClient.auth.test(),
    logger,
    now,
    { ...DEFAULT_WORKER_OPTIONS, ...deps.tuning?.outbox },
  );
  const feed = new ReviewEventFeed(
    {
      store,
      source: deps.reviews,
      queued: () => worker.kick(),
      subscribe: (onNotify, onError) => listen(deps.db, REVIEWS_CHANNEL, onNotify, onError),
      logger,
      now,
    },
    { ...DEFAULT_FEED_OPTIONS, ...deps.tuning?.events },
  );

  const writes = new Set<Promise<void>>();
  const enqueue = (reviewId: string, messages: OutboxMessage[]): void => {
    const write = store
      .enqueue(reviewId, messages, now())
      .then(() => worker.kick())
      .catch((e: unknown) =>
        logger.error({ review: reviewId, err: (e as Error).message }, 'could not queue Slack messages'),
      )
      .finally(() => writes.delete(write));
    writes.add(write);
  };

  const receiver = new ExpressReceiver({
    signingSecret,
    endpoints: '/events',
    processBeforeResponse: deps.tuning?.processBeforeResponse ?? false,
    logger: slackLogger(logger),
  });
  const app = new App({
    receiver,
    logger: slackLogger(logger),
    // auth.test once (cached by the directory) instead of Bolt's call at construction time.
    authorize: async () => {
      const workspace = await directory.workspace();
      return {
        botToken,
        teamId: workspace.teamId,
        ...(workspace.botId ? { botId: workspace.botId } : {}),
        ...(workspace.botUserId ? { botUserId: workspace.botUserId } : {}),
      };
    },
    clientOptions: { slackApiUrl: config.apiUrl, ...INTERACTIVE_CLIENT_OPTIONS },
  });
  app.error(async (error) => {
    logger.error({ err: error.message, code: error.code }, 'Slack listener failed');
  });
  registerReviewListeners(app, {
    reviews: deps.reviews,
    directory,
    people: deps.people ?? new PeopleDirectory([]),
    refreshCard: (reviewId) => enqueue(reviewId, [{ kind: 'update-card' }]),
    logger,
  });
  registerAgentSessions(app, {
    db: deps.db,
    access: sessionsAccessFrom(config),
    revokers: sessionsAccessFrom({ approvers: config.approvers, auditors: [] }),
    // Read lazily: the engine does not exist yet while the adapter is being built.
    reviews: { get: (id) => deps.reviews().get(id), list: (filter) => deps.reviews().list(filter) },
    logger,
    now,
  });

  return {
    handler: slackWeb(receiver, rejectFutureTimestamps(now)),
    start() {
      worker.start();
      // The README promises the log says so; where cards go is what an operator checks first.
      logger.info(
        { channel: config.channel ?? '(each rule names its own)', endpoint: '/slack/events' },
        'Slack approvals are on: cards are posted to Slack and decided there',
      );
      return feed.start();
    },
    async stop() {
      await feed.stop();
      await Promise.allSettled([...writes]);
      await worker.stop();
    },
  };
}
