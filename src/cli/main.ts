#!/usr/bin/env node
// Each command imports what it needs when it runs, so `airlock reviews list` does not load the whole server.
import { Command, InvalidArgumentError } from 'commander';
import { stringify as toYaml } from 'yaml';
import {
  resolveSealKey,
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
  sealKey() {
    const { seal } = currentConfig().recording;
    return seal && resolveSealKey(seal);
  },
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

/** Where the credential plugin finds the agent's source token, and what scope it asks for. */
function withSourceTokenOptions(command: Command): Command {
  return command
    .option('--source-token-file <file>', 'file holding the token to exchange (re-read on every exchange)')
    .option('--source-token-env <variable>', 'environment variable holding the token to exchange')
    .option('--scope <scope>', 'narrow the token, e.g. "namespace:team-a verb:get verb:list"');
}

interface SourceTokenOptions {
  sourceTokenFile?: string;
  sourceTokenEnv?: string;
  scope?: string;
}

withSourceTokenOptions(
  program
    .command('credential')
    .description(
      'kubectl credential plugin: exchange a source token for a short-lived Airlock token (ExecCredential)',
    ),
)
  .requiredOption('--server <url>', "Airlock's proxy URL")
  .option('--certificate-authority <file>', "CA of Airlock's serving certificate (default: from kubectl)")
  .action(async (opts: SourceTokenOptions & { server: string; certificateAuthority?: string }) => {
    const { caFromExecInfo, defaultCacheDir, execCredential, readSourceToken } =
      await import('./credential.js');
    const { readFile } = await import('node:fs/promises');
    const ca = opts.certificateAuthority
      ? await readFile(opts.certificateAuthority, 'utf8')
      : caFromExecInfo(process.env.KUBERNETES_EXEC_INFO);
    const credential = await execCredential({
      server: opts.server,
      sourceToken: await readSourceToken(
        { file: opts.sourceTokenFile, env: opts.sourceTokenEnv },
        process.env,
      ),
      ...(opts.scope ? { scope: opts.scope } : {}),
      ...(ca ? { ca } : {}),
      cacheDir: defaultCacheDir(process.env),
    });
    process.stdout.write(`${JSON.stringify(credential)}\n`);
  });

withSourceTokenOptions(
  program
    .command('kubeconfig')
    .description(
      'print a kubeconfig that points kubectl at Airlock, with a freshly minted token or (--exec) the credential plugin',
    )
    .option('--agent <name>', 'agent name (for a minted token)')
    .option('--group <group>', 'agent group (repeatable)', collect, [])
    .option('--owner <email>', 'the accountable human')
    .option('--ttl <duration>', 'token lifetime, e.g. 15m', '1h')
    .option('--exec', 'run `airlock credential` for every token instead of embedding one'),
)
  .option('--cluster <name>', 'upstream cluster name', 'default')
  .option('--namespace <ns>', 'default namespace')
  .action(
    async (
      opts: SourceTokenOptions & {
        agent?: string;
        group: string[];
        owner?: string;
        ttl: string;
        exec?: boolean;
        cluster: string;
        namespace?: string;
      },
    ) => {
      const cfg = currentConfig();
      const { url: base, from } = agentFacingUrl(cfg.proxy);
      const name = `airlock-${opts.cluster}`;
      // With Airlock's self-managed certificate, agents must trust the local CA it keeps in the data directory.
      const { localCaPem } = await import('../gateway/serving-certificate.js');
      const ca = cfg.proxy.tls || cfg.proxy.plainHttp ? undefined : await localCaPem(cfg.dataDir);
      const server = `${base.replace(/\/$/, '')}/clusters/${opts.cluster}`;
      const { userName, user } = await kubeconfigUser(opts, base);
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
        users: [{ name: userName, user }],
        contexts: [
          {
            name,
            context: {
              cluster: name,
              user: userName,
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

/** The kubeconfig user: a minted token, or the credential plugin run with this very executable. */
async function kubeconfigUser(
  opts: SourceTokenOptions & { agent?: string; group: string[]; owner?: string; ttl: string; exec?: boolean },
  base: string,
): Promise<{ userName: string; user: Record<string, unknown> }> {
  if (!opts.exec) {
    if (!opts.agent) throw new InvalidArgumentError('--agent is required (or --exec with a source token)');
    return { userName: opts.agent, user: { token: await mint({ ...opts, agent: opts.agent }) } };
  }
  if ((opts.sourceTokenFile === undefined) === (opts.sourceTokenEnv === undefined)) {
    throw new InvalidArgumentError('--exec needs exactly one of --source-token-file and --source-token-env');
  }
  const { realpath } = await import('node:fs/promises');
  const { EXEC_CREDENTIAL_API } = await import('./credential.js');
  const source = opts.sourceTokenFile
    ? ['--source-token-file', await realpath(opts.sourceTokenFile)]
    : ['--source-token-env', opts.sourceTokenEnv!];
  return {
    userName: 'airlock-credential',
    user: {
      exec: {
        apiVersion: EXEC_CREDENTIAL_API,
        command: process.execPath,
        args: [
          await realpath(process.argv[1]!),
          'credential',
          '--server',
          base,
          ...source,
          ...(opts.scope ? ['--scope', opts.scope] : []),
        ],
        interactiveMode: 'Never',
        // kubectl then hands the plugin the cluster's CA (KUBERNETES_EXEC_INFO), so it trusts Airlock too.
        provideClusterInfo: true,
      },
    },
  };
}

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
