import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runLoad, type LoadResult, type Target } from './load.js';
import { runParkedBenchmark } from './parked.js';
import { runRecordingBenchmark } from './recording.js';
import { serveNodeFlags } from './serve-flags.js';

/**
 * `npm run bench`: Airlock vs the same fake API server directly, side by side in one run, as ratios.
 * Everything runs on loopback and stops by itself. Numbers on a shared 2-core machine are noisy: compare
 * the ratios within one run, not absolute values across runs.
 */

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
// The product build (`dist`) is what is measured; the fake and the bare forwarder are tools (`dist-tools`).
const FAKE = join(ROOT, 'dist-tools', 'test', 'support', 'fake-apiserver', 'main.js');
const BARE = join(ROOT, 'dist-tools', 'bench', 'bare-forwarder.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (process.env.BENCH_SHORT === '1' ? 0.3 : 5));

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

/**
 * CPU time (user + system) a process has used so far, in milliseconds: all its threads, or only the main one (the
 * JavaScript event loop, whose thread id is the pid), which is what saturates first.
 */
function cpuMs(pid: number, thread: 'all' | 'main' = 'all'): number {
  const stat = thread === 'all' ? `/proc/${pid}/stat` : `/proc/${pid}/task/${pid}/stat`;
  const fields = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
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

/** BENCH_SHORT=1 (CI): tiny data and sub-second scenarios — it proves the benchmark runs, not how fast. */
const SHORT = process.env.BENCH_SHORT === '1';
const COUNTS = SHORT
  ? { configMaps: 20, secrets: 40, pods: 20, morePods: 20 }
  : { configMaps: 500, secrets: 2000, pods: 500, morePods: 1500 };

/** A pod as a Deployment's controller would create it: labels, owner, probes, resources, env, volumes, status. */
function realisticPod(i: number): unknown {
  const name = `web-7d9f8c6b5-${String(i).padStart(5, '0')}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: {
        app: 'web',
        'pod-template-hash': '7d9f8c6b5',
        tier: 'frontend',
        'app.kubernetes.io/version': '2.14.1',
      },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-7d9f8c6b5',
          uid: '0b6f8a52-6a5e-4c1f-9d3b-1e2f3a4b5c6d',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      serviceAccountName: 'web',
      nodeName: `node-${i % 12}`,
      containers: [
        {
          name: 'web',
          image: 'registry.example.com/shop/web:2.14.1',
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
          ],
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'REGION', value: 'eu-west-1' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
          livenessProbe: { httpGet: { path: '/livez', port: 8080 }, initialDelaySeconds: 10 },
          volumeMounts: [{ name: 'config', mountPath: '/etc/web' }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
    },
    status: {
      phase: 'Running',
      podIP: `10.0.${i >> 8}.${i & 255}`,
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
      ],
      containerStatuses: [
        { name: 'web', ready: true, restartCount: 0, image: 'registry.example.com/shop/web:2.14.1' },
      ],
    },
  };
}

async function seed(direct: Target): Promise<void> {
  await send(direct, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'bench' },
  });
  const value = 'x'.repeat(700);
  for (let i = 0; i < COUNTS.configMaps; i++) {
    await send(direct, 'POST', '/api/v1/namespaces/bench/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, labels: { app: 'bench' } },
      data: { value },
    });
  }
  const secret = Buffer.from('s'.repeat(7000)).toString('base64');
  for (let i = 0; i < COUNTS.secrets; i++) {
    await send(direct, 'POST', '/api/v1/namespaces/bench/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `secret-${i}` },
      data: { token: secret },
    });
  }
  for (let i = 0; i < COUNTS.pods; i++)
    await send(direct, 'POST', '/api/v1/namespaces/bench/pods', realisticPod(i));
  // More Pods elsewhere, so that listing all namespaces gives a list over 1 MiB: Airlock streams those.
  await send(direct, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'bench-more' },
  });
  for (let i = 0; i < COUNTS.morePods; i++)
    await send(direct, 'POST', '/api/v1/namespaces/bench-more/pods', realisticPod(i));
}

/** One target's run of a scenario: load figures, CPU per request of the process serving it, its peak RSS. */
interface Measured {
  load: LoadResult;
  cpuUs: number;
  mainThreadCpuUs: number;
  peakRss: number;
}

interface Row {
  scenario: string;
  direct: Measured;
  bare: Measured;
  airlock: Measured;
}

function report(rows: Row[]): void {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const lat = (m: Measured) => `${f(m.load.p50ms, 2)} / ${f(m.load.p99ms, 2)}`;
  console.log(
    '\n| scenario | req/s direct / bare / Airlock | Airlock ÷ bare | p50 / p99 ms direct | bare | Airlock | Airlock adds p50 vs bare | CPU µs/req API server / bare / Airlock | of it Airlock main thread | peak RSS MiB bare / Airlock | errors d/b/a |',
  );
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const { scenario, direct: d, bare: b, airlock: a } of rows) {
    console.log(
      `| ${scenario} | ${f(d.load.rps)} / ${f(b.load.rps)} / ${f(a.load.rps)} | ${f(a.load.rps / b.load.rps, 2)} | ${lat(d)} | ${lat(b)} | ${lat(a)} | ${f(a.load.p50ms - b.load.p50ms, 2)} | ${f(d.cpuUs, 0)} / ${f(b.cpuUs, 0)} / ${f(a.cpuUs, 0)} | ${f(a.mainThreadCpuUs, 0)} | ${f(b.peakRss, 0)} / ${f(a.peakRss, 0)} | ${d.load.errors}/${b.load.errors}/${a.load.errors} |`,
    );
  }
  // Latency per MB where the target sets it: lists without secrets, one request at a time, answers of 100 KB or more
  // (as the cluster sent them: the bare forwarder's bytes).
  for (const { scenario, bare: b, airlock: a } of rows) {
    const mb = b.load.bytes / Math.max(1, b.load.requests) / 1e6;
    if (!scenario.endsWith(', 1 conn') || scenario.includes('masked') || mb < 0.1) continue;
    console.log(
      `${scenario}: ${f(mb, 2)} MB per answer; Airlock adds ${f((a.load.p50ms - b.load.p50ms) / mb, 2)} ms p50 per MB`,
    );
  }
  const errors = rows.reduce(
    (n, r) => n + r.direct.load.errors + r.bare.load.errors + r.airlock.load.errors,
    0,
  );
  if (errors > 0) throw new Error(`${errors} requests failed during the benchmark`);
}

/** Runs one target under load, measuring the CPU and peak RSS of the process that serves it. */
async function measure(
  target: Target,
  pid: number,
  opts: { concurrency: number; seconds: number },
): Promise<Measured> {
  const cpuBefore = cpuMs(pid);
  const mainBefore = cpuMs(pid, 'main');
  resetPeakRss(pid);
  const load = await runLoad(target, opts);
  return {
    load,
    cpuUs: ((cpuMs(pid) - cpuBefore) * 1000) / Math.max(1, load.requests),
    mainThreadCpuUs: ((cpuMs(pid, 'main') - mainBefore) * 1000) / Math.max(1, load.requests),
    peakRss: rssMiB(pid, 'VmHWM'),
  };
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
    console.log(
      `seeding ${COUNTS.configMaps} ConfigMaps, ${COUNTS.secrets} Secrets and ${COUNTS.pods + COUNTS.morePods} Pods …`,
    );
    await seed(direct);

    const caFile = join(dir, 'fake-ca.crt');
    writeFileSync(caFile, ca);
    // BENCH_PROFILE=DIR writes V8 CPU profiles of the bare forwarder and the gateway there (open them in Chrome
    // DevTools): the same scenario's two profiles side by side show what Airlock adds.
    const profile = process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
      : [];
    const bare = spawn(
      process.execPath,
      [...profile, BARE, cluster.server, kc.users[0]!.user.token, caFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(bare);
    const bareInfo = JSON.parse(await waitForLine(bare, /(\{.*\})/, 'bare forwarder')) as {
      url: string;
      caPem: string;
    };

    const proxyPort = await freePort();
    const webPort = await freePort();
    const env = {
      // Only what Airlock needs: an operator's own AIRLOCK_* variables must not change what is measured.
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      KUBECONFIG: kubeconfigPath,
      AIRLOCK_DATA_DIR: join(dir, 'data'),
      AIRLOCK_PROXY_LISTEN: `127.0.0.1:${proxyPort}`,
      AIRLOCK_WEB_LISTEN: `127.0.0.1:${webPort}`,
      AIRLOCK_INTERNAL_LISTEN: '127.0.0.1:0',
      AIRLOCK_LOG_LEVEL: 'info',
      ...(process.env.BENCH_POLICY ? { AIRLOCK_POLICY: process.env.BENCH_POLICY } : {}),
    };
    const token = execFileSync(process.execPath, [CLI, 'token', 'mint', '--agent', 'bench', '--ttl', '1h'], {
      env,
    })
      .toString()
      .trim();
    // Logs go to a file, as in production: one JSON line per request.
    const log = openSync(join(dir, 'airlock.log'), 'a');
    const airlock = spawn(process.execPath, [...serveNodeFlags(), ...profile, CLI, 'serve'], {
      env,
      stdio: ['ignore', log, log],
    });
    children.push(airlock);
    await waitForHealthy(`http://127.0.0.1:${webPort}/healthz`, airlock);
    // Resident memory at rest (Slack off), before any load: what a replica costs doing nothing. Two seconds after
    // start it still holds start-up garbage (no full collection has run yet); V8's memory reducer collects it once
    // the process has been idle for a while, so it is read again at 40 s.
    const idleRss = async (afterMs: number) => {
      await new Promise((r) => setTimeout(r, afterMs));
      return `Airlock ${rssMiB(airlock.pid!, 'VmRSS').toFixed(0)} MiB, bare forwarder ${rssMiB(bare.pid!, 'VmRSS').toFixed(0)} MiB`;
    };
    console.log(`idle RSS 2 s after start: ${await idleRss(SHORT ? 100 : 2000)}`);
    if (!SHORT && !process.env.BENCH_ONLY) console.log(`idle RSS 40 s after start: ${await idleRss(38_000)}`);
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

    const viaBare = (path: string): Target => ({
      url: `${bareInfo.url}/clusters/default${path}`,
      ca: bareInfo.caPem,
      headers: { authorization: 'Bearer ignored-by-the-bare-forwarder' },
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
        name: `LIST ${COUNTS.configMaps} ConfigMaps, 4 conns`,
        path: '/api/v1/namespaces/bench/configmaps',
        concurrency: 4,
        seconds: SECONDS,
      },
      {
        name: `LIST ${COUNTS.pods} Pods (realistic specs), 4 conns`,
        path: '/api/v1/namespaces/bench/pods',
        concurrency: 4,
        seconds: SECONDS,
      },
      {
        // One at a time: the latency a list's size adds, per MB, when Airlock is not saturated.
        name: `LIST ${COUNTS.pods} Pods (realistic specs), 1 conn`,
        path: '/api/v1/namespaces/bench/pods',
        concurrency: 1,
        seconds: SECONDS,
      },
      {
        // Over 1 MiB: masked element by element as it streams, where smaller lists are read whole.
        name: `LIST ${COUNTS.pods + COUNTS.morePods} Pods (all namespaces, streamed), 1 conn`,
        path: '/api/v1/pods',
        concurrency: 1,
        seconds: SECONDS,
      },
      {
        name: `LIST ${COUNTS.secrets} Secrets, masked, 1 conn`,
        path: '/api/v1/namespaces/bench/secrets',
        concurrency: 1,
        seconds: SECONDS * 2,
      },
    ];
    const rows: Row[] = [];
    // BENCH_ONLY=<substring> runs only the matching scenarios (e.g. with BENCH_PROFILE, to profile one of them).
    for (const s of scenarios.filter((x) => x.name.includes(process.env.BENCH_ONLY ?? ''))) {
      const warm = { concurrency: s.concurrency, seconds: SHORT ? 0.2 : 1 };
      const run = { concurrency: s.concurrency, seconds: s.seconds };
      // Warm every path, then measure them back to back on the same machine state.
      await runLoad(directTo(s.path), warm);
      await runLoad(viaBare(s.path), warm);
      await runLoad(viaAirlock(s.path), warm);
      rows.push({
        scenario: s.name,
        direct: await measure(directTo(s.path), fake.pid!, run),
        bare: await measure(viaBare(s.path), bare.pid!, run),
        airlock: await measure(viaAirlock(s.path), airlock.pid!, run),
      });
      console.log(`done: ${s.name}`);
    }
    report(rows);
  } finally {
    stopAll();
    await Promise.all(children.map(exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

main()
  // BENCH_ONLY narrows the run to the proxy scenarios it names; the parked-requests benchmark runs otherwise.
  .then(() => (process.env.BENCH_ONLY ? undefined : runParkedBenchmark()))
  .then(() => (process.env.BENCH_ONLY ? undefined : runRecordingBenchmark()))
  .then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
