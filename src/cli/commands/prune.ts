import { type Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../../lib/duration.js';
import { formatTime } from '../../recording/describe.js';
import { pruneEvents } from '../../recording/retention.js';
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
    .description('delete recorded events older than a duration (the audit chain stays verifiable)')
    .requiredOption('--older-than <duration>', 'age of the events to delete, e.g. 30d', seconds)
    .action(async (opts: { olderThan: number }) => {
      const cutoff = new Date(Date.now() - opts.olderThan * 1000);
      const result = await pruneEvents(await ctx.database(), cutoff);
      ctx.stdout.write(
        `pruned ${result.events} events and ${result.sessions} emptied sessions recorded before ${formatTime(cutoff)}\n`,
      );
    });
}
