/**
 * Web API clients. Slack's default client retries for about 30 minutes without a timeout; an approval flow
 * needs bounded calls: interactive ones retry briefly, outbox ones not at all (the outbox schedules its own
 * retries, in SQL, honouring `Retry-After`).
 */
import { webApi } from '@slack/bolt';
import type { Logger } from '../lib/logger.js';

export type WebClient = webApi.WebClient;

export interface ClientSettings {
  botToken: string;
  /** Base URL of the Web API (`https://slack.com/api/`, GovSlack's, or a test server). */
  apiUrl: string;
  logger: Logger;
}

/** What handlers and identity lookups use: a user is waiting, so a few quick retries and a short timeout. */
export const INTERACTIVE_CLIENT_OPTIONS = {
  timeout: 5_000,
  retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1_000, randomize: false },
} as const;

/** Slack's logger interface over pino (Slack's own messages are diagnostics: debug unless they are errors). */
export function slackLogger(logger: Logger): webApi.Logger {
  const log = logger.child({ component: 'slack' });
  let level = webApi.LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => log.debug(msg.map(String).join(' ')),
    info: (...msg: unknown[]) => log.debug(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => log.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => log.error(msg.map(String).join(' ')),
    setLevel: (l: webApi.LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export function createInteractiveClient(s: ClientSettings): WebClient {
  return new webApi.WebClient(s.botToken, {
    slackApiUrl: s.apiUrl,
    logger: slackLogger(s.logger),
    ...INTERACTIVE_CLIENT_OPTIONS,
  });
}

export function createOutboxClient(s: ClientSettings): WebClient {
  return new webApi.WebClient(s.botToken, {
    slackApiUrl: s.apiUrl,
    logger: slackLogger(s.logger),
    timeout: 10_000,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}
