#!/usr/bin/env node
// Each command imports what it needs when it runs, so `airlock reviews list` does not load the whole server.
import { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import {
  agentFacingUrl,
  ConfigError,
  databaseUrl,
  loadConfig,
  redactedConfig,
  type LoadedConfig,
} from '../config/load.js';
import type { AirlockConfig } from '../config/schema.js';
import { migrate, openCurrentDatabase, createDatabase, type Database } from '../db/database.js';
import { parseDuration } from '../lib/duration.js';
import * as audit from './commands/audit.js';
import * as grants from './commands/grants.js';
import * as prune from './commands/prune.js';
import * as reviews from './commands/reviews.js';
import * as sessions from './commands/sessions.js';
import type { CliContext } from './context.js';
import { PeopleDirectory } from '../reviews/people.js';

const program = new Command('airlock')
  .description('A gateway between AI agents and Kubernetes, with human approvals for risky requests.')
  .option('-c, --config <file>', 'configuration file (default: $AIRLOCK_CONFIG or ./airlock.yaml if present)')
  .showHelpAfterError();

let loaded: LoadedConfig | undefined;
function loadedConfig(): LoadedConfig {
  loaded ??= loadConfig({ configPath: program.opts<{ config?: string }>().config });
  return loaded;
}
const currentConfig = (): AirlockConfig => loadedConfig().config;

let db: Database | undefined;
const ctx: CliContext = {
  async database() {
    db ??= await openCurrentDatabase(databaseUrl(currentConfig()));
    return db;
  },
  people: () => new PeopleDirectory(currentConfig().people),
  stdout: process.stdout,
};

program
  .command('serve')
  .description('start the proxy and web listeners (migrates the database first)')
  .action(async () => {
    const cfg = currentConfig();
    const { createLogger } = await import('../lib/logger.js');
    const logger = createLogger(cfg.log.level);
    // Loaded here, not at the top: other commands should not pay for the whole server (Bolt, client-node, …).
    const { startAirlock } = await import('../server.js');
    const airlock = await startAirlock(cfg, { logger });
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: draining in-flight requests and flushing recordings');
      await airlock.close();
      logger.info('stopped');
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const database = createDatabase(databaseUrl(currentConfig()));
    try {
      const applied = await migrate(database);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    } finally {
      await database.destroy();
    }
  });

const collect = (value: string, previous: string[]) => [...previous, value];

/** Who a locally minted token names: shared by `token mint` and `kubeconfig`. */
function withAgentOptions(command: Command, ttl: string): Command {
  return command
    .requiredOption('--agent <name>', 'agent name')
    .option('--group <group>', 'agent group (repeatable)', collect, [])
    .option('--owner <email>', 'the accountable human')
    .option('--ttl <duration>', 'token lifetime, e.g. 15m', ttl);
}

async function mint(opts: { agent: string; group: string[]; owner?: string; ttl: string }): Promise<string> {
  const { loadOrCreateLocalIssuer } = await import('../identity/local-issuer.js');
  const issuer = await loadOrCreateLocalIssuer(currentConfig().dataDir, {
    maxLifetimeSeconds: currentConfig().identity.localIssuer.maxLifetime,
  });
  return issuer.mint({
    agent: opts.agent,
    groups: opts.group,
    ...(opts.owner ? { owner: opts.owner } : {}),
    ttlSeconds: parseDuration(opts.ttl),
  });
}

const token = program.command('token').description('local development tokens');
withAgentOptions(
  token
    .command('mint')
    .description('print a short-lived token the running gateway accepts (local development issuer)'),
  '15m',
).action(async (opts: { agent: string; group: string[]; owner?: string; ttl: string }) => {
  process.stdout.write(`${await mint(opts)}\n`);
});

withAgentOptions(
  program
    .command('kubeconfig')
    .description('print a kubeconfig that points kubectl at Airlock with a freshly minted token'),
  '1h',
)
  .option('--cluster <name>', 'upstream cluster name', 'default')
  .option('--namespace <ns>', 'default namespace')
  .action(
    async (opts: {
      agent: string;
      group: string[];
      owner?: string;
      ttl: string;
      cluster: string;
      namespace?: string;
    }) => {
      const cfg = currentConfig();
      const { url: base, from } = agentFacingUrl(cfg.proxy);
      const name = `airlock-${opts.cluster}`;
      // With Airlock's self-managed certificate, agents must trust the local CA it keeps in the data directory.
      const { localCaPem } = await import('../gateway/serving-certificate.js');
      const ca = cfg.proxy.tls || cfg.proxy.plainHttp ? undefined : await localCaPem(cfg.dataDir);
      const server = `${base.replace(/\/$/, '')}/clusters/${opts.cluster}`;
      const kubeconfig = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name,
            cluster: {
              server,
              ...(ca ? { 'certificate-authority-data': Buffer.from(ca).toString('base64') } : {}),
            },
          },
        ],
        users: [{ name: opts.agent, user: { token: await mint(opts) } }],
        contexts: [
          {
            name,
            context: {
              cluster: name,
              user: opts.agent,
              ...(opts.namespace ? { namespace: opts.namespace } : {}),
            },
          },
        ],
        'current-context': name,
      };
      process.stdout.write(toYaml(kubeconfig));
      process.stderr.write(
        `airlock kubeconfig: server ${server} (${from} in ${loadedConfig().source ?? 'the defaults and environment'})\n`,
      );
    },
  );

program
  .command('config')
  .description('configuration')
  .command('print')
  .description('show the effective configuration (file + env) with secrets elided')
  .action(() => {
    process.stdout.write(toYaml(redactedConfig(currentConfig())));
  });

program
  .command('policy')
  .description('policy files')
  .command('check')
  .argument('<file>', 'policy file')
  .description('validate a policy file and run its inline tests')
  .action(async (file: string) => {
    const { approverDefaults, loadPolicyFile } = await import('../policy/load.js');
    const { formatPolicyReport, runPolicyTests } = await import('../policy/policy-tests.js');
    const policy = await loadPolicyFile(file, approverDefaults(currentConfig()));
    const results = runPolicyTests(policy);
    process.stdout.write(formatPolicyReport(file, policy, results));
    if (results.some((r) => !r.passed)) process.exitCode = 1;
  });

for (const commands of [sessions, audit, prune, reviews, grants]) commands.register(program, ctx);

program
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof ConfigError || (err instanceof Error && err.name === 'PolicyError')) {
      process.stderr.write(`airlock: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`airlock: ${(err as Error).message ?? String(err)}\n`);
      process.exitCode = 1;
    }
  })
  .finally(async () => {
    if (db && program.args[0] !== 'serve') await db.destroy();
  });
