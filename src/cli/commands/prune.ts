import { type Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../../lib/duration.js';
import { formatTime } from '../../recording/describe.js';
import { pruneAll } from '../../db/retention.js';
import type { CliContext } from '../context.js';

function seconds(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('prune')
    .description(
      'delete recordings, closed reviews, review events and sent Slack messages older than a duration (the audit chain stays verifiable)',
    )
    .requiredOption('--older-than <duration>', 'age of the events to delete, e.g. 30d', seconds)
    .action(async (opts: { olderThan: number }) => {
      const cutoff = new Date(Date.now() - opts.olderThan * 1000);
      const result = await pruneAll(await ctx.database(), cutoff);
      ctx.stdout.write(
        `pruned, from before ${formatTime(cutoff)}: ${result.events} recorded events, ${result.sessions} emptied sessions, ` +
          `${result.reviews} closed reviews, ${result.reviewEvents} review events, ${result.outbox} finished Slack messages\n`,
      );
    });
}
