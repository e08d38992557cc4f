import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../../lib/duration.js';
import { asMutationPreview } from '../../preview/model.js';
import { renderPreview } from '../../preview/render-terminal.js';
import { countApprovals, type DecisionRequest } from '../../reviews/decision-rules.js';
import { type ReviewEngine, createReviewEngine } from '../../reviews/engine.js';
import { REVIEW_STATES, type ReviewState } from '../../reviews/model.js';
import { terminalApprover } from '../../reviews/people.js';
import { describeGrant, renderReview, renderReviewList } from '../../reviews/render-text.js';
import type { CliContext } from '../context.js';

/** A terminal review command could not do what was asked; the message says why and what to try. */
export class ReviewCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewCommandError';
  }
}

/**
 * The engine as a terminal process uses it: no background sweep or poll (the gateway runs those), and no
 * notifier, because the Slack adapter lives in the gateway process.
 */
export async function terminalReviewEngine(ctx: CliContext): Promise<ReviewEngine> {
  return createReviewEngine(await ctx.database(), { notify: () => undefined, now: () => new Date() });
}

function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

interface DecideOptions {
  as: string;
  for?: number;
  anyName?: boolean;
  reason?: string;
  breakGlass?: boolean;
}

async function decide(
  ctx: CliContext,
  id: string,
  opts: DecideOptions,
  request: DecisionRequest,
): Promise<void> {
  const engine = await terminalReviewEngine(ctx);
  const result = await engine.decide(id, terminalApprover(ctx.people(), opts.as), request);
  if (!result.ok) throw new ReviewCommandError(`${result.refusal.message} (${result.refusal.code})`);
  const { review, grant } = result;
  const summary =
    review.state === 'pending'
      ? `recorded; ${countApprovals(review.decisions)} of ${review.settings.approvals} approvals so far`
      : review.state;
  ctx.stdout.write(`Review ${review.id}: ${summary}.\n`);
  if (grant) {
    ctx.stdout.write(
      `Grant ${grant.id}: ${grant.agent.name} may ${describeGrant(grant)} on ${grant.cluster} (rule ${grant.rule}) until ${grant.expiresAt.toISOString()}.\n`,
    );
  }
}

export function register(program: Command, ctx: CliContext): void {
  const reviews = program
    .command('reviews')
    .description('parked agent requests waiting for (or past) human decisions');

  reviews
    .command('list')
    .description('reviews, newest first')
    .addOption(new Option('--state <state>', 'only reviews in this state').choices(REVIEW_STATES))
    .option(
      '--limit <n>',
      'at most this many',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
        return n;
      },
      50,
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { state?: ReviewState; limit: number; json?: boolean }) => {
      const engine = await terminalReviewEngine(ctx);
      const list = await engine.list({ ...(opts.state ? { states: [opts.state] } : {}), limit: opts.limit });
      ctx.stdout.write(opts.json ? json(list) : renderReviewList(list));
    });

  reviews
    .command('show')
    .argument('<id>', 'review id')
    .description('one review: request, decisions, outcome and preview')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) => {
      const review = await (await terminalReviewEngine(ctx)).get(id);
      if (!review)
        throw new ReviewCommandError(`no review "${id}": \`airlock reviews list\` shows the stored reviews`);
      if (opts.json) return void ctx.stdout.write(json(review));
      const preview = asMutationPreview(review.preview);
      if (!preview) return void ctx.stdout.write(renderReview(review));
      const color = (ctx.stdout as { isTTY?: boolean }).isTTY === true;
      ctx.stdout.write(
        `${renderReview({ ...review, preview: undefined })}\n${renderPreview(preview, { color })}\n`,
      );
    });

  reviews
    .command('approve')
    .argument('<id>', 'review id')
    .description('approve a pending review (releases the parked request once enough people approved)')
    .requiredOption('--as <person>', 'who you are: your id, email or Slack user id in `people`')
    .option(
      '--for <duration>',
      'also grant the same request on the same object (same rule) for this long, e.g. 15m',
      duration,
    )
    .option('--any-name', 'with --for: let the grant cover any object name, not just the reviewed one')
    .option('--reason <text>', 'why')
    .option(
      '--break-glass',
      'approve although you are not an approver of the rule, or not in `people` (recorded as break-glass)',
    )
    .action(async (id: string, opts: DecideOptions) => {
      if (opts.anyName && opts.for === undefined)
        throw new InvalidArgumentError('--any-name only applies to a grant: add --for <duration>');
      await decide(ctx, id, opts, {
        decision: 'approve',
        ...(opts.reason ? { reason: opts.reason } : {}),
        ...(opts.for !== undefined
          ? { grantSeconds: opts.for, grantScope: opts.anyName ? ('any-name' as const) : ('name' as const) }
          : {}),
        ...(opts.breakGlass ? { breakGlass: true } : {}),
      });
    });

  reviews
    .command('deny')
    .argument('<id>', 'review id')
    .description('deny a pending review; the agent receives the reason')
    .requiredOption('--as <person>', 'who you are: your id, email or Slack user id in `people`')
    .requiredOption('--reason <text>', 'why (the agent reads it and adapts)')
    .option(
      '--break-glass',
      'deny although you are not an approver of the rule, or not in `people` (recorded as break-glass)',
    )
    .action(async (id: string, opts: DecideOptions) => {
      await decide(ctx, id, opts, {
        decision: 'deny',
        reason: opts.reason ?? '',
        ...(opts.breakGlass ? { breakGlass: true } : {}),
      });
    });

  reviews
    .command('cancel')
    .argument('<id>', 'review id')
    .description('close an open review for good; its request will never run')
    .requiredOption('--as <name>', 'who you are')
    .action(async (id: string, opts: { as: string }) => {
      const engine = await terminalReviewEngine(ctx);
      if (!(await engine.cancel(id, { kind: 'person', name: opts.as, via: 'terminal' }))) {
        const review = await engine.get(id);
        throw new ReviewCommandError(
          review ? `review ${id} is already ${review.state}` : `no review "${id}"`,
        );
      }
      ctx.stdout.write(`Review ${id}: cancelled.\n`);
    });
}
