import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { verifyAuditChain, type BrokenLink } from '../../recording/verify.js';
import type { CliContext } from '../context.js';

/** Thrown (so the process exits 1) when the event log fails verification; names the first broken link. */
export class AuditChainBrokenError extends Error {
  readonly brokenAt: BrokenLink;

  constructor(brokenAt: BrokenLink) {
    super(
      `audit chain broken at event seq ${brokenAt.seq} (id ${brokenAt.id || 'unknown'}): ${brokenAt.reason}`,
    );
    this.name = 'AuditChainBrokenError';
    this.brokenAt = brokenAt;
  }
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('the tamper-evident session log')
    .command('verify')
    .description('walk the hash chain of every recorded event; exits 1 and names the first broken link')
    .option(
      '--seal-key-file <path>',
      "also check the chain heads' seals with the key `serve` signs them with (default: the configured " +
        '`recording.seal` key, e.g. AIRLOCK_SEAL_KEY_FILE)',
    )
    .action(async (opts: { sealKeyFile?: string }) => {
      const key = opts.sealKeyFile === undefined ? ctx.sealKey() : readFileSync(opts.sealKeyFile);
      const result = await verifyAuditChain(await ctx.database(), key);
      if (!result.ok) throw new AuditChainBrokenError(result.brokenAt);
      const seals = result.seals;
      const sealed = seals
        ? `; seals of ${seals.sealed} clusters authentic` +
          (seals.oldest ? ` (the oldest newest seal is from ${seals.oldest.toISOString()})` : '')
        : '';
      ctx.stdout.write(`audit chain intact: ${result.events} events verified${sealed}\n`);
    });
}
