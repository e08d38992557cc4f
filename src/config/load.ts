import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema, type AirlockConfig } from './schema.js';

/** Every problem found, each naming the key (and the env var or file it came from). */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;
type Raw = Record<string, unknown>;

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Env booleans as Go and most tools read them; anything else stays a string and fails validation by name. */
function parseBoolean(value: string): unknown {
  if (/^(1|t|true|yes|on)$/i.test(value)) return true;
  if (/^(0|f|false|no|off)$/i.test(value)) return false;
  return value;
}

/** Env var → where it lands in the file's shape. Secrets may come as a value or as a file path (`…_FILE`). */
const ENV_KEYS: Record<string, { path: string[]; parse?: (v: string) => unknown }> = {
  AIRLOCK_PROXY_LISTEN: { path: ['proxy', 'listen'] },
  AIRLOCK_PROXY_PUBLIC_URL: { path: ['proxy', 'publicUrl'] },
  AIRLOCK_TLS_CERT_FILE: { path: ['proxy', 'tls', 'certFile'] },
  AIRLOCK_TLS_KEY_FILE: { path: ['proxy', 'tls', 'keyFile'] },
  AIRLOCK_PROXY_PLAIN_HTTP: { path: ['proxy', 'plainHttp'], parse: parseBoolean },
  AIRLOCK_MCP: { path: ['proxy', 'mcp'], parse: parseBoolean },
  AIRLOCK_WEB_LISTEN: { path: ['web', 'listen'] },
  AIRLOCK_INTERNAL_LISTEN: { path: ['internal', 'listen'] },
  AIRLOCK_DATA_DIR: { path: ['dataDir'] },
  AIRLOCK_DATABASE_URL: { path: ['database', 'url'] },
  AIRLOCK_POLICY: { path: ['policy', 'file'] },
  AIRLOCK_LOG_LEVEL: { path: ['log', 'level'] },
  AIRLOCK_EXCHANGE_SIGNING_KEY_FILES: { path: ['identity', 'exchange', 'signingKeyFiles'], parse: list },
  AIRLOCK_LOCAL_ISSUER: { path: ['identity', 'localIssuer', 'enabled'], parse: parseBoolean },
  SLACK_BOT_TOKEN: { path: ['slack', 'botToken', 'value'] },
  SLACK_BOT_TOKEN_FILE: { path: ['slack', 'botToken', 'file'] },
  SLACK_SIGNING_SECRET: { path: ['slack', 'signingSecret', 'value'] },
  SLACK_SIGNING_SECRET_FILE: { path: ['slack', 'signingSecret', 'file'] },
  SLACK_API_URL: { path: ['slack', 'apiUrl'] },
  AIRLOCK_SLACK_CHANNEL: { path: ['slack', 'channel'] },
  AIRLOCK_SLACK_APPROVERS: { path: ['slack', 'approvers'], parse: list },
  AIRLOCK_SLACK_AUDITORS: { path: ['slack', 'auditors'], parse: list },
  AIRLOCK_SEAL_KEY: { path: ['recording', 'seal', 'key'] },
  AIRLOCK_SEAL_KEY_FILE: { path: ['recording', 'seal', 'keyFile'] },
};
const ENV_HANDLED_ELSEWHERE = new Set(['AIRLOCK_CONFIG', 'AIRLOCK_OIDC_ISSUER', 'AIRLOCK_OIDC_AUDIENCE']);

function setPath(target: Raw, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = typeof next === 'object' && next !== null ? next : {};
    node = node[key] as Raw;
  }
  node[path[path.length - 1]!] = value;
}

function applyEnv(raw: Raw, env: Env, issues: string[]): Map<string, string> {
  const origin = new Map<string, string>(); // config path → env var, so errors name what the user set
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    const target = ENV_KEYS[name];
    if (target) {
      setPath(raw, target.path, target.parse ? target.parse(value) : value);
      origin.set(target.path.join('.'), name);
    } else if (
      name.startsWith('AIRLOCK_') &&
      !ENV_HANDLED_ELSEWHERE.has(name) &&
      !name.startsWith('AIRLOCK_TEST_')
    ) {
      issues.push(`${name}: unknown environment variable (known: ${Object.keys(ENV_KEYS).join(', ')})`);
    }
  }
  const issuer = env.AIRLOCK_OIDC_ISSUER;
  const audience = env.AIRLOCK_OIDC_AUDIENCE;
  if (issuer || audience) {
    if (!issuer || !audience) {
      issues.push('AIRLOCK_OIDC_ISSUER and AIRLOCK_OIDC_AUDIENCE must be set together');
    } else {
      const identity = (raw.identity ?? {}) as Raw;
      const issuers = Array.isArray(identity.issuers) ? identity.issuers : [];
      identity.issuers = [...issuers, { issuer, audiences: list(audience) }];
      raw.identity = identity;
      origin.set(`identity.issuers.${issuers.length}`, 'AIRLOCK_OIDC_ISSUER');
    }
  }
  return origin;
}

export interface LoadedConfig {
  config: AirlockConfig;
  /** The file read, if any. */
  source?: string;
}

/**
 * Reads the YAML file (`--config`, else `AIRLOCK_CONFIG`, else `./airlock.yaml` when present), applies env
 * overrides and validates the result. Throws one ConfigError listing every problem.
 */
export function loadConfig(opts: { configPath?: string; env?: Env; cwd?: string } = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const issues: string[] = [];
  const explicit = opts.configPath ?? env.AIRLOCK_CONFIG;
  const implicit = resolve(cwd, 'airlock.yaml');
  const source = explicit ? resolve(cwd, explicit) : existsSync(implicit) ? implicit : undefined;

  let raw: Raw = {};
  if (source) {
    try {
      const parsed: unknown = parseYaml(readFileSync(source, 'utf8'));
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed))
          throw new Error('top level must be a mapping');
        raw = parsed as Raw;
      }
    } catch (err) {
      throw new ConfigError([`${source}: ${(err as Error).message}`]);
    }
  }
  const origin = applyEnv(raw, env, issues);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.join('.');
      const from = origin.get(path) ?? [...origin].find(([p]) => path.startsWith(`${p}.`))?.[1];
      const keys = 'keys' in issue && Array.isArray(issue.keys) ? `: ${issue.keys.join(', ')}` : '';
      issues.push(`${path || '(root)'}${from ? ` (from ${from})` : ''}: ${issue.message}${keys}`);
    }
  }
  if (issues.length) throw new ConfigError(issues);
  const config = result.data!;
  return { config: { ...config, dataDir: resolve(cwd, config.dataDir) }, ...(source ? { source } : {}) };
}

/** SQLite under the data directory unless a URL is configured. */
export function databaseUrl(config: AirlockConfig): string {
  return config.database.url ?? `sqlite:${resolve(config.dataDir, 'airlock.db')}`;
}

/** A secret given inline (env) or as a file path; file contents are trimmed of the trailing newline. */
export function resolveSecret(ref: { value?: string; file?: string } | undefined): string | undefined {
  if (!ref) return undefined;
  if (ref.value) return ref.value;
  if (ref.file) return readFileSync(ref.file, 'utf8').trim();
  return undefined;
}

/** The bytes chain heads are sealed with: the key file's contents as they are, or the configured value's UTF-8. */
export function resolveSealKey(seal: { key?: string; keyFile?: string }): Buffer {
  return seal.key !== undefined ? Buffer.from(seal.key, 'utf8') : readFileSync(seal.keyFile!);
}

/** The effective configuration for `airlock config print`, with every secret elided. */
export function redactedConfig(config: AirlockConfig): AirlockConfig {
  const elide = (ref: { value?: string; file?: string } | undefined) =>
    ref && (ref.value ? { value: '<redacted>' } : ref);
  const url = config.database.url?.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1<redacted>@');
  return {
    ...config,
    database: url ? { url } : {},
    slack: {
      ...config.slack,
      botToken: elide(config.slack.botToken),
      signingSecret: elide(config.slack.signingSecret),
    },
    recording: {
      ...config.recording,
      ...(config.recording.seal
        ? {
            seal: {
              ...config.recording.seal,
              ...(config.recording.seal.key !== undefined ? { key: '<redacted>' } : {}),
            },
          }
        : {}),
    },
  };
}

/**
 * The URL agents should use for the proxy listener, and which setting it came from: `proxy.publicUrl`, else the
 * listen address (a wildcard host becomes 127.0.0.1, which is what a local agent can reach and the certificate names).
 */
export function agentFacingUrl(proxy: AirlockConfig['proxy']): { url: string; from: string } {
  if (proxy.publicUrl) return { url: proxy.publicUrl.replace(/\/$/, ''), from: 'proxy.publicUrl' };
  const at = proxy.listen.lastIndexOf(':');
  const host = proxy.listen.slice(0, at);
  const local = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  return {
    url: `${proxy.plainHttp ? 'http' : 'https'}://${local}${proxy.listen.slice(at)}`,
    from: 'proxy.listen',
  };
}
