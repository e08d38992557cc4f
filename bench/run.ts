import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runLoad, type LoadResult, type Target } from './load.js';
import { runParkedBenchmark } from './parked.js';

/**
 * `npm run bench`: Airlock vs the same fake API server directly, side by side in one run, as ratios.
 * Everything runs on loopback and stops by itself. Numbers on a shared 2-core machine are noisy: compare
 * the ratios within one run, not absolute values across runs.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const FAKE = join(ROOT, 'dist', 'test', 'support', 'fake-apiserver', 'main.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((res, rej) => {
    let seen = '';
    const timer = setTimeout(() => rej(new Error(`${what} did not start: ${seen}`)), 20_000);
    const onData = (c: Buffer) => {
      seen += c.toString();
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        res(m[1] ?? m[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

async function waitForHealthy(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`Airlock exited with code ${child.exitCode}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('Airlock did not become healthy');
}

/** CPU time (user + system) a process has used so far, in milliseconds. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ=100)
}

/** Resets the kernel's peak-RSS mark (VmHWM), so the next read is the peak since now. */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function send(base: Target, method: string, path: string, body: unknown): Promise<void> {
  const url = new URL(path, base.url);
  await new Promise<void>((res, rej) => {
    const req = https.request(
      url,
      { method, ca: base.ca, headers: { ...base.headers, 'content-type': 'application/json' } },
      (r) => {
        r.resume();
        r.on('end', () =>
          r.statusCode! < 300 ? res() : rej(new Error(`${method} ${path}: ${r.statusCode}`)),
        );
      },
    );
    req.on('error', rej);
    req.end(JSON.stringify(body));
  });
}

async function seed(direct: Target): Promise<void> {
  await send(direct, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'bench' },
  });
  const value = 'x'.repeat(700);
  for (let i = 0; i < 500; i++) {
    await send(direct, 'POST', '/api/v1/namespaces/bench/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, labels: { app: 'bench' } },
      data: { value },
    });
  }
  const secret = Buffer.from('s'.repeat(7000)).toString('base64');
  for (let i = 0; i < 2000; i++) {
    await send(direct, 'POST', '/api/v1/namespaces/bench/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `secret-${i}` },
      data: { token: secret },
    });
  }
}

interface Row {
  scenario: string;
  direct: LoadResult;
  gateway: LoadResult;
  /** CPU per request: the fake API server's when hit directly, Airlock's own when going through it. */
  cpuUs: { direct: number; gateway: number };
  /** Airlock's resident memory when the scenario started and its peak during it, MiB. */
  rss: { start: number; peak: number };
}

function report(rows: Row[], extra: string[]): void {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  console.log(
    '\n| scenario | direct req/s | Airlock req/s | throughput ratio | direct p50 / p99 ms | Airlock p50 / p99 ms | added p50 ms | CPU µs/req: API server / Airlock | Airlock RSS start → peak MiB | errors (d/a) |',
  );
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const { scenario, direct: d, gateway: g, cpuUs, rss } of rows) {
    console.log(
      `| ${scenario} | ${f(d.rps)} | ${f(g.rps)} | ${f(g.rps / d.rps, 2)} | ${f(d.p50ms, 2)} / ${f(d.p99ms, 2)} | ${f(g.p50ms, 2)} / ${f(g.p99ms, 2)} | ${f(g.p50ms - d.p50ms, 2)} | ${f(cpuUs.direct, 0)} / ${f(cpuUs.gateway, 0)} | ${f(rss.start, 0)} → ${f(rss.peak, 0)} | ${d.errors}/${g.errors} |`,
    );
  }
  for (const line of extra) console.log(line);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  const kubeconfigPath = join(dir, 'fake.kubeconfig');
  const children: ChildProcess[] = [];
  const stopAll = () => children.forEach((c) => c.kill('SIGTERM'));
  const exited = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)));
  process.on('exit', stopAll);
  try {
    const fake = spawn(process.execPath, [FAKE, kubeconfigPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(fake);
    await waitForLine(fake, /(https:\/\/127\.0\.0\.1:\d+)/, 'fake API server');
    const kc = parseYaml(readFileSync(kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { token: string } }[];
    };
    const cluster = kc.clusters[0]!.cluster;
    const ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString();
    const direct: Target = {
      url: cluster.server,
      ca,
      headers: { authorization: `Bearer ${kc.users[0]!.user.token}` },
    };
    console.log('seeding 500 ConfigMaps and 2,000 Secrets (~20 MB) …');
    await seed(direct);

    const proxyPort = await freePort();
    const webPort = await freePort();
    const env = {
      ...process.env,
      KUBECONFIG: kubeconfigPath,
      AIRLOCK_DATA_DIR: join(dir, 'data'),
      AIRLOCK_PROXY_LISTEN: `127.0.0.1:${proxyPort}`,
      AIRLOCK_WEB_LISTEN: `127.0.0.1:${webPort}`,
      AIRLOCK_LOG_LEVEL: 'info',
    };
    const token = execFileSync(process.execPath, [CLI, 'token', 'mint', '--agent', 'bench', '--ttl', '1h'], {
      env,
    })
      .toString()
      .trim();
    // BENCH_PROFILE=DIR writes a V8 CPU profile of the gateway there (open it in Chrome DevTools).
    const profile = process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
      : [];
    // Logs go to a file, as in production: one JSON line per request.
    const log = openSync(join(dir, 'airlock.log'), 'a');
    const airlock = spawn(process.execPath, [...profile, CLI, 'serve'], { env, stdio: ['ignore', log, log] });
    children.push(airlock);
    await waitForHealthy(`http://127.0.0.1:${webPort}/healthz`, airlock);
    const gatewayBase = `https://127.0.0.1:${proxyPort}/clusters/default`;
    const airlockCa = readFileSync(join(dir, 'data', 'airlock-ca.crt'), 'utf8');
    const viaAirlock = (path: string, accept?: string): Target => ({
      url: `${gatewayBase}${path}`,
      ca: airlockCa,
      headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) },
    });
    const directTo = (path: string, accept?: string): Target => ({
      ...direct,
      url: `${direct.url}${path}`,
      headers: { ...direct.headers, ...(accept ? { accept } : {}) },
    });

    const scenarios: { name: string; path: string; concurrency: number; seconds: number }[] = [
      {
        // One connection, one request at a time: the latency Airlock adds when it is not saturated.
        name: 'small GET (ConfigMap ~1 KB), 1 conn',
        path: '/api/v1/namespaces/bench/configmaps/cm-1',
        concurrency: 1,
        seconds: SECONDS,
      },
      {
        name: 'small GET (ConfigMap ~1 KB), 16 conns',
        path: '/api/v1/namespaces/bench/configmaps/cm-1',
        concurrency: 16,
        seconds: SECONDS,
      },
      {
        name: 'LIST 500 ConfigMaps (~500 KB), 4 conns',
        path: '/api/v1/namespaces/bench/configmaps',
        concurrency: 4,
        seconds: SECONDS,
      },
      {
        name: 'LIST 2,000 Secrets (~20 MB), masked, 1 conn',
        path: '/api/v1/namespaces/bench/secrets',
        concurrency: 1,
        seconds: SECONDS * 2,
      },
    ];
    const rows: Row[] = [];
    // BENCH_ONLY=<substring> runs only the matching scenarios (e.g. with BENCH_PROFILE, to profile one of them).
    for (const s of scenarios.filter((x) => x.name.includes(process.env.BENCH_ONLY ?? ''))) {
      // Warm both paths, then measure them back to back on the same machine state.
      await runLoad(directTo(s.path), { concurrency: s.concurrency, seconds: 1 });
      await runLoad(viaAirlock(s.path), { concurrency: s.concurrency, seconds: 1 });
      const fakeCpu = cpuMs(fake.pid!);
      const d = await runLoad(directTo(s.path), { concurrency: s.concurrency, seconds: s.seconds });
      const airlockCpu = cpuMs(airlock.pid!);
      resetPeakRss(airlock.pid!);
      const rssStart = rssMiB(airlock.pid!, 'VmRSS');
      const g = await runLoad(viaAirlock(s.path), { concurrency: s.concurrency, seconds: s.seconds });
      const rss = { start: rssStart, peak: rssMiB(airlock.pid!, 'VmHWM') };
      const cpuUs = {
        direct: ((cpuMs(fake.pid!) - fakeCpu) * 1000) / Math.max(1, d.requests),
        gateway: ((cpuMs(airlock.pid!) - airlockCpu) * 1000) / Math.max(1, g.requests),
      };
      rows.push({ scenario: s.name, direct: d, gateway: g, cpuUs, rss });
      console.log(`done: ${s.name}`);
    }
    const secrets = rows.find((r) => r.scenario.includes('Secrets'));
    report(
      rows,
      !secrets
        ? []
        : [
            '',
            `Secret list: Airlock RSS ${secrets.rss.start.toFixed(0)} MiB at the start, ${secrets.rss.peak.toFixed(0)} MiB peak ` +
              `(the list body is ~${(secrets.direct.bytes / Math.max(1, secrets.direct.requests) / 1024 / 1024).toFixed(1)} MiB).`,
            `Time per Secret list: direct ${(1000 / secrets.direct.rps).toFixed(0)} ms, through Airlock ${(1000 / secrets.gateway.rps).toFixed(0)} ms ` +
              `(${(secrets.direct.rps / secrets.gateway.rps).toFixed(2)}× direct).`,
          ],
    );
  } finally {
    stopAll();
    await Promise.all(children.map(exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

main()
  // BENCH_ONLY narrows the run to the proxy scenarios it names; the parked-requests benchmark runs otherwise.
  .then(() => (process.env.BENCH_ONLY ? undefined : runParkedBenchmark()))
  .then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
