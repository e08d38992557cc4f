import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { revokeSession } from '../../db/session-revocations.js';
import { parseDuration } from '../../lib/duration.js';
import {
  SESSION_STATUSES,
  getSession,
  iterateSessionEvents,
  querySessions,
  type SessionStatus,
} from '../../recording/query.js';
import { renderReplayStep, renderSessionList, renderSessionSummary } from '../../recording/render-text.js';
import { replayDelayMs } from '../../recording/replay.js';
import type { RecordedEvent, SessionSummary } from '../../recording/types.js';
import type { CliContext } from '../context.js';

export class UnknownSessionError extends Error {
  constructor(id: string) {
    super(`no session "${id}": \`airlock sessions list\` shows the stored sessions`);
    this.name = 'UnknownSessionError';
  }
}

function wholeNumber(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}`);
    return n;
  };
}

function speed(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0 (0 = no delay)');
  return n;
}

function ago(value: string): Date {
  try {
    return new Date(Date.now() - parseDuration(value) * 1000);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** Session ids `POST /auth/token` answers with (see exchange-issuer.ts). */
const EXCHANGE_SESSION = /^xs-[0-9a-f]{32}$/;

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

interface ListOptions {
  agent?: string;
  owner?: string;
  cluster?: string;
  namespace?: string;
  since?: Date;
  status?: SessionStatus;
  limit: number;
  offset: number;
  json?: boolean;
}

async function requireSession(ctx: CliContext, id: string): Promise<SessionSummary> {
  const session = await getSession(await ctx.database(), id);
  if (!session) throw new UnknownSessionError(id);
  return session;
}

export function register(program: Command, ctx: CliContext): void {
  const sessions = program
    .command('sessions')
    .description('query and replay recorded agent sessions (redacted)');

  sessions
    .command('list')
    .description('sessions matching the filters, newest first')
    .option('--agent <name>', 'agent name')
    .option('--owner <owner>', 'accountable human (usually an email address)')
    .option('--cluster <name>', 'upstream cluster')
    .option('--namespace <ns>', 'sessions that touched this namespace')
    .option('--since <duration>', 'active within this long, e.g. 2h, 1d', ago)
    .addOption(
      new Option('--status <status>', 'sessions with at least one such event').choices(SESSION_STATUSES),
    )
    .option('--limit <n>', 'page size', wholeNumber(1), 50)
    .option('--offset <n>', 'sessions to skip', wholeNumber(0), 0)
    .option('--json', 'machine-readable output')
    .action(async (opts: ListOptions) => {
      const { json: asJson, ...filter } = opts;
      const page = await querySessions(await ctx.database(), filter);
      ctx.stdout.write(asJson ? json(page) : renderSessionList(page.sessions));
      if (!asJson && page.hasMore) {
        ctx.stdout.write(`More sessions follow: --offset ${opts.offset + opts.limit}\n`);
      }
    });

  sessions
    .command('show')
    .description('a session summary and its steps')
    .argument('<id>', 'session id')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) => {
      const session = await requireSession(ctx, id);
      const events: RecordedEvent[] = [];
      for await (const { event } of iterateSessionEvents(await ctx.database(), id)) events.push(event);
      ctx.stdout.write(opts.json ? json({ session, events }) : renderSessionSummary(session, events));
    });

  sessions
    .command('revoke')
    .description('end a session now: its tokens get 401 and its source token cannot exchange it again')
    .argument('<id>', 'a session id from `sessions list`, or the session_id of a token exchange (xs-…)')
    .requiredOption('--as <name>', 'who you are')
    .option('--reason <text>', 'shown to the agent')
    .action(async (id: string, opts: { as: string; reason?: string }) => {
      const db = await ctx.database();
      const tokenId = EXCHANGE_SESSION.test(id) ? id : (await requireSession(ctx, id)).tokenId;
      const revocation = await revokeSession(db, {
        tokenId,
        revokedAt: new Date(),
        revokedBy: opts.as,
        ...(opts.reason ? { reason: opts.reason.slice(0, 1000) } : {}),
      });
      ctx.stdout.write(
        `Session ${id}: revoked by ${revocation.revokedBy} at ${revocation.revokedAt.toISOString()}; ` +
          'its tokens are refused from now on.\n',
      );
    });

  sessions
    .command('replay')
    .description(
      'print each step as it happened, with its redacted bodies and the equivalent kubectl command',
    )
    .argument('<id>', 'session id')
    .option('--speed <n>', 'replay speed; 0 prints without delay (idle gaps are capped at 5 s)', speed, 1)
    .option('--from <n>', 'first step to show (1-based)', wholeNumber(1), 1)
    .action(async (id: string, opts: { speed: number; from: number }) => {
      const session = await requireSession(ctx, id);
      let previous: Date | undefined;
      for await (const { event, index, total } of iterateSessionEvents(await ctx.database(), id, {
        from: opts.from - 1,
      })) {
        const delay = previous ? replayDelayMs(previous, event.time, opts.speed) : 0;
        if (delay > 0) await sleep(delay);
        ctx.stdout.write(renderReplayStep(event, index, total, session.startedAt));
        previous = event.time;
      }
    });
}
