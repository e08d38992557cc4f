import { resolveSecret } from '../config/load.js';
import type { AirlockConfig } from '../config/schema.js';

export type SlackSettings = AirlockConfig['slack'];

/** Why Slack approvals are off, or undefined when the bot token and signing secret are both configured. */
export function slackDisabledReason(config: SlackSettings): string | undefined {
  const missing = [
    ...(resolveSecret(config.botToken) ? [] : ['SLACK_BOT_TOKEN']),
    ...(resolveSecret(config.signingSecret) ? [] : ['SLACK_SIGNING_SECRET']),
  ];
  return missing.length > 0 ? `${missing.join(' and ')} not set` : undefined;
}
