import type { Command } from 'commander';
import { renderGrantList } from '../../reviews/render-text.js';
import type { CliContext } from '../context.js';
import { ReviewCommandError, terminalReviewEngine } from './reviews.js';

export function register(program: Command, ctx: CliContext): void {
  const grants = program
    .command('grants')
    .description('time-boxed approvals given with `reviews approve --for`');

  grants
    .command('list')
    .description('grants, newest first')
    .option('--active', 'only grants that are neither expired nor revoked')
    .option('--json', 'machine-readable output')
    .action(async (opts: { active?: boolean; json?: boolean }) => {
      const list = await (await terminalReviewEngine(ctx)).listGrants({ active: opts.active === true });
      ctx.stdout.write(opts.json ? `${JSON.stringify(list, null, 2)}\n` : renderGrantList(list, new Date()));
    });

  grants
    .command('revoke')
    .argument('<id>', 'grant id')
    .description('end a grant now; matching requests need a review again')
    .requiredOption('--as <name>', 'who you are')
    .action(async (id: string, opts: { as: string }) => {
      if (!(await (await terminalReviewEngine(ctx)).revokeGrant(id, opts.as))) {
        throw new ReviewCommandError(`no active grant "${id}": \`airlock grants list\` shows them`);
      }
      ctx.stdout.write(`Grant ${id}: revoked by ${opts.as}.\n`);
    });
}
