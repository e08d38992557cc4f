import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  agentFacingUrl,
  ConfigError,
  databaseUrl,
  loadConfig,
  redactedConfig,
  resolveSealKey,
} from '../../../src/config/load.js';

function dirWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-config-'));
  if (yaml !== undefined) writeFileSync(join(dir, 'airlock.yaml'), yaml);
  return dir;
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts from safe defaults with no file and no env', () => {
    const cwd = dirWith();
    const { config, source } = loadConfig({ env: {}, cwd });
    expect(source).toBeUndefined();
    expect(config.proxy.listen).toBe('127.0.0.1:8080');
    expect(config.proxy.plainHttp).toBe(false);
    expect(config.web.listen).toBe('127.0.0.1:3000');
    expect(config.dataDir).toBe(join(cwd, 'data'));
    expect(databaseUrl(config)).toBe(`sqlite:${join(cwd, 'data', 'airlock.db')}`);
    expect(config.identity.localIssuer.enabled).toBe(true);
  });

  it('reads ./airlock.yaml and lets env override it', () => {
    const cwd = dirWith('proxy: { listen: 0.0.0.0:9443 }\nweb: { listen: 127.0.0.1:3001 }\n');
    const { config, source } = loadConfig({ env: { AIRLOCK_WEB_LISTEN: '127.0.0.1:4000' }, cwd });
    expect(source).toBe(join(cwd, 'airlock.yaml'));
    expect(config.proxy.listen).toBe('0.0.0.0:9443');
    expect(config.web.listen).toBe('127.0.0.1:4000');
  });

  it('maps the documented env vars', () => {
    const { config } = loadConfig({
      cwd: dirWith(),
      env: {
        AIRLOCK_DATABASE_URL: 'postgres://u:pw@db/airlock',
        AIRLOCK_POLICY: '/etc/airlock/policy.yaml',
        AIRLOCK_OIDC_ISSUER: 'https://issuer.example.com',
        AIRLOCK_OIDC_AUDIENCE: 'airlock',
        SLACK_BOT_TOKEN: 'xoxb-secret',
        AIRLOCK_SLACK_APPROVERS: 'U1, S2',
        AIRLOCK_SLACK_CHANNEL: 'C1',
      },
    });
    expect(databaseUrl(config)).toBe('postgres://u:pw@db/airlock');
    expect(config.policy.file).toBe('/etc/airlock/policy.yaml');
    expect(config.identity.issuers).toEqual([
      expect.objectContaining({
        issuer: 'https://issuer.example.com',
        audiences: ['airlock'],
        maxLifetime: 3600,
      }),
    ]);
    expect(config.slack.approvers).toEqual(['U1', 'S2']);
    const printed = JSON.stringify(redactedConfig(config));
    expect(printed).not.toContain('xoxb-secret');
    expect(printed).not.toContain(':pw@');
  });

  it('names an unknown file key', () => {
    const issues = issuesOf(() => loadConfig({ env: {}, cwd: dirWith('proxy: { listn: 1.2.3.4:80 }\n') }));
    expect(issues.join('\n')).toMatch(/proxy.*listn/);
  });

  it('names the env var a bad value came from', () => {
    const issues = issuesOf(() => loadConfig({ env: { AIRLOCK_PROXY_LISTEN: 'localhost' }, cwd: dirWith() }));
    expect(issues).toEqual([
      expect.stringContaining('proxy.listen (from AIRLOCK_PROXY_LISTEN): must be HOST:PORT'),
    ]);
  });

  it('refuses unknown AIRLOCK_ variables and half-configured issuers, all at once', () => {
    const issues = issuesOf(() =>
      loadConfig({
        env: { AIRLOCK_PROXY_LISTNE: 'x', AIRLOCK_OIDC_ISSUER: 'https://i.example.com' },
        cwd: dirWith(),
      }),
    );
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^AIRLOCK_PROXY_LISTNE: unknown environment variable/);
    expect(issues[1]).toMatch(/AIRLOCK_OIDC_ISSUER and AIRLOCK_OIDC_AUDIENCE must be set together/);
  });

  it('reports bad durations and cluster names with their path', () => {
    const issues = issuesOf(() =>
      loadConfig({
        env: {},
        cwd: dirWith('clusters: [{ name: Prod_1 }]\nrecording: { retention: { olderThan: soon } }\n'),
      }),
    );
    expect(issues.join('\n')).toMatch(/clusters\.0\.name: must be a DNS label/);
    expect(issues.join('\n')).toMatch(/recording\.retention\.olderThan: .*soon/);
  });

  it('refuses two default clusters and timeouts that are not positive', () => {
    const issues = issuesOf(() =>
      loadConfig({
        env: {},
        cwd: dirWith(
          'clusters: [{ name: a, default: true }, { name: b, default: true }]\n' +
            'proxy: { timeouts: { request: 0s } }\n',
        ),
      }),
    ).join('\n');
    expect(issues).toMatch(/clusters: only one cluster may be the default \(marked: a, b\)/);
    expect(issues).toMatch(/proxy\.timeouts\.request: must be longer than 0s/);
  });

  it('reads the people who may decide, and refuses an identifier that names two of them', () => {
    const people = (yaml: string) => loadConfig({ env: {}, cwd: dirWith(yaml) }).config.people;
    expect(people('people: [{ id: alice, email: alice@example.com, slack: U0ALICE }]\n')).toEqual([
      { id: 'alice', email: 'alice@example.com', slack: 'U0ALICE', groups: [] },
    ]);
    const issues = issuesOf(() =>
      people(
        'people: [{ id: alice, slack: U0ALICE }, { id: bob, email: Alice@example.com, slack: u0alice }]\n',
      ),
    ).join('\n');
    expect(issues).toMatch(/slack: must be a Slack user id/);
    expect(
      issuesOf(() => people('people: [{ id: alice, email: a@example.com }, { id: A@example.com }]\n')).join(
        '\n',
      ),
    ).toMatch(/people: "a@example\.com" names both alice and A@example\.com/);
  });

  it('refuses what would silently misbehave: unknown database schemes, repeated clusters, Slack without a channel, missing TLS files', () => {
    const issues = issuesOf(() =>
      loadConfig({
        env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' },
        cwd: dirWith(
          'database: { url: "pg://db/airlock" }\n' +
            'clusters: [{ name: a }, { name: a }]\n' +
            'proxy: { tls: { certFile: /nonexistent/tls.crt, keyFile: /nonexistent/tls.key } }\n',
        ),
      }),
    ).join('\n');
    expect(issues).toMatch(/database\.url: must start with sqlite: \(a file\) or postgres:\/\//);
    expect(issues).toMatch(/clusters: cluster names must be unique \(repeated: a\)/);
    expect(issues).toMatch(/slack\.channel: is required when Slack is configured/);
    expect(issues).toMatch(/proxy\.tls\.certFile: file \/nonexistent\/tls\.crt does not exist/);
  });

  it('takes the chain-seal key from a file or a variable, never both, and never prints it', () => {
    const cwd = dirWith();
    const keyFile = join(cwd, 'seal.key');
    writeFileSync(keyFile, 'k3y-bytes\n');
    const fromFile = loadConfig({ env: { AIRLOCK_SEAL_KEY_FILE: keyFile }, cwd }).config.recording.seal;
    expect(fromFile).toEqual({ keyFile, every: 60 });
    expect(resolveSealKey(fromFile!)).toEqual(Buffer.from('k3y-bytes\n'));
    const fromEnv = loadConfig({ env: { AIRLOCK_SEAL_KEY: 's3cret-seal' }, cwd }).config;
    expect(resolveSealKey(fromEnv.recording.seal!)).toEqual(Buffer.from('s3cret-seal'));
    expect(JSON.stringify(redactedConfig(fromEnv))).not.toContain('s3cret-seal');
    expect(
      issuesOf(() =>
        loadConfig({ env: { AIRLOCK_SEAL_KEY: 'x', AIRLOCK_SEAL_KEY_FILE: keyFile }, cwd }),
      ).join('\n'),
    ).toMatch(
      /recording\.seal.*needs exactly one of keyFile \(AIRLOCK_SEAL_KEY_FILE\) and key \(AIRLOCK_SEAL_KEY\)/,
    );
    expect(
      issuesOf(() => loadConfig({ env: { AIRLOCK_SEAL_KEY_FILE: '/nonexistent/seal.key' }, cwd })).join('\n'),
    ).toMatch(/recording\.seal\.keyFile.*file \/nonexistent\/seal\.key does not exist/);
  });

  it('reads env booleans strictly, and names a value that is neither', () => {
    expect(
      loadConfig({ env: { AIRLOCK_PROXY_PLAIN_HTTP: 'TRUE' }, cwd: dirWith() }).config.proxy.plainHttp,
    ).toBe(true);
    expect(
      loadConfig({ env: { AIRLOCK_PROXY_PLAIN_HTTP: 'off' }, cwd: dirWith() }).config.proxy.plainHttp,
    ).toBe(false);
    expect(
      issuesOf(() => loadConfig({ env: { AIRLOCK_PROXY_PLAIN_HTTP: 'maybe' }, cwd: dirWith() })).join('\n'),
    ).toMatch(/proxy\.plainHttp \(from AIRLOCK_PROXY_PLAIN_HTTP\)/);
  });

  it('turns the local development issuer on only for local development unless told', () => {
    const enabled = (yaml: string, env: Record<string, string> = {}) =>
      loadConfig({ env, cwd: dirWith(yaml) }).config.identity.localIssuer.enabled;
    expect(enabled('')).toBe(true);
    expect(enabled('proxy: { listen: 0.0.0.0:8443 }\n')).toBe(false);
    expect(
      enabled('', { AIRLOCK_OIDC_ISSUER: 'https://idp.example.com', AIRLOCK_OIDC_AUDIENCE: 'airlock' }),
    ).toBe(false);
    expect(enabled('proxy: { listen: 0.0.0.0:8443 }\n', { AIRLOCK_LOCAL_ISSUER: 'true' })).toBe(true);
  });

  it('gives agents the URL the proxy is reached at, and says which setting it came from', () => {
    const proxy = (extra: string) =>
      loadConfig({ env: {}, cwd: dirWith(`proxy: { ${extra} }\n`) }).config.proxy;
    expect(agentFacingUrl(proxy('listen: 0.0.0.0:8443'))).toEqual({
      url: 'https://127.0.0.1:8443',
      from: 'proxy.listen',
    });
    expect(agentFacingUrl(proxy('publicUrl: https://airlock.example.com/'))).toEqual({
      url: 'https://airlock.example.com',
      from: 'proxy.publicUrl',
    });
  });

  it('fails on a file that is not a mapping', () => {
    expect(issuesOf(() => loadConfig({ env: {}, cwd: dirWith('- a\n- b\n') }))[0]).toMatch(
      /top level must be a mapping/,
    );
  });
});
