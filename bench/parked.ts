import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import https, { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrl } from '../src/config/load.js';
import { configSchema } from '../src/config/schema.js';
import { openDatabase } from '../src/db/database.js';
import { loadOrCreateServingCertificate } from '../src/gateway/serving-certificate.js';
import { loadOrCreateLocalIssuer } from '../src/identity/local-issuer.js';
import { createLogger } from '../src/lib/logger.js';
import { createReviewEngine } from '../src/reviews/engine.js';
import { startAirlock } from '../src/server.js';
import { serveNodeFlags } from './serve-flags.js';
import { startFakeApiServer, type FakeApiServer } from '../test/support/fake-apiserver/index.js';

/**
 * Parked-request benchmark (part of `npm run bench`): 1,000 reviewed DELETEs parked at once on one Airlock process,
 * then approved. Measures the gateway's RSS growth per parked request and the time from a stored decision to the
 * request reaching the cluster, with the decision taken by the parking process itself and by a second replica on
 * the same database (which learns of it by polling on SQLite, by LISTEN/NOTIFY on Postgres).
 *
 * Decisions come paced (one every PACE_MS: far faster than people decide, and each is timed while the others stay
 * parked) and as a back-to-back burst (a stress case: the decisions themselves queue on the database).
 *
 * The replicas are child processes forked from this file (`parked.js replica <settings>`): the same startAirlock as
 * `airlock serve`, plus an IPC channel through which the benchmark has them approve reviews in-process and report
 * their RSS once settled after full collections (so the growth is what parked requests retain, not garbage awaiting
 * collection or pages V8 is still giving back).
 * A third child is the floor: a bare Node HTTPS server (Airlock's serving certificate, no other work) that holds the
 * same DELETEs unanswered, measured the same way, so Airlock's own share of each parked request's memory shows
 * beside what Node's TLS connection and HTTP request cost by themselves.
 * The fake API server runs here and timestamps each DELETE as it arrives. Loopback only; bounded; stops by itself.
 * SQLite in a temp dir by default; BENCH_DATABASE_URL=postgres://… puts both replicas on Postgres instead.
 */

const PARKED = Number(process.env.BENCH_PARKED ?? 1000);
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 20);
const WARMUP = 20;
/** Everything (startup, parking, approvals) must finish within this, or the benchmark fails. */
const DEADLINE_MS = 10 * 60_000;
const APPROVER = 'bench-approver';
const REPLICA_ROLE = 'replica';
const FLOOR_ROLE = 'floor';

const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
  - name: parked-deletes
    match: { verbs: [delete], namespaces: [bench-*] }
    action: review
    review: { approvers: { users: [${APPROVER}] }, hold: 10m, timeout: 30m }
  - name: everything-else
    match: {}
    action: allow
`;

/** Milliseconds on a clock both processes share (wall-clock origin plus the monotonic clock). */
const now = (): number => performance.timeOrigin + performance.now();

/**
 * Memory once it has settled: a full collection, a second, and another. V8 returns the pages a collection freed
 * while its sweeper finishes, after `gc()` has returned (the committed heap fell by 12–33 MB within that second after
 * a round of 1,000 parked requests), so a sample taken at once counts memory the process is already giving back.
 */
async function settledMemoryKiB(): Promise<Memory> {
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 1000));
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: rss / 1024, heap: heapUsed / 1024 };
}

const sendMemory = (send: (message: FromReplica) => void): Promise<void> =>
  settledMemoryKiB().then((memory) => send({ type: 'sampled', memory }));

interface ReplicaSettings {
  dataDir: string;
  databaseUrl?: string;
  kubeconfig: string;
  policyFile: string;
}

type ToReplica =
  | { type: 'approve'; ids: string[]; gapMs: number }
  | { type: 'sample' }
  | { type: 'stop' }
  // The floor's: how many requests it holds, and answering them all.
  | { type: 'count' }
  | { type: 'release' };
type FromReplica =
  | { type: 'ready'; proxyUrl: string }
  | { type: 'approved'; decidedAt: Record<string, number> }
  | { type: 'sampled'; memory: Memory }
  | { type: 'counted'; held: number }
  | { type: 'released' };

/** Process memory settled after full collections, KiB: resident set and the V8 heap in use (the rest is native: TLS, SQLite, buffers). */
interface Memory {
  rss: number;
  heap: number;
}

// ---- a replica (child process) ----

async function serveReplica(settings: ReplicaSettings): Promise<void> {
  const config = configSchema.parse({
    // One agent parks them all: its in-flight limit (128 by default) would refuse the rest with 429.
    proxy: { listen: '127.0.0.1:0', limits: { maxInFlightPerAgent: 2 * (PARKED + WARMUP) } },
    web: { listen: '127.0.0.1:0' },
    internal: { listen: '127.0.0.1:0' },
    dataDir: settings.dataDir,
    ...(settings.databaseUrl ? { database: { url: settings.databaseUrl } } : {}),
    clusters: [{ name: 'default', kubeconfig: settings.kubeconfig }],
    policy: { file: settings.policyFile },
  });
  // Warn level: thousands of parked requests would otherwise log lines this benchmark does not measure.
  const airlock = await startAirlock(config, { logger: createLogger('warn'), env: {} });
  const send = (message: FromReplica) => process.send?.(message);

  const approve = async (ids: readonly string[], gapMs: number) => {
    const decidedAt: Record<string, number> = {};
    for (const id of ids) {
      const result = await airlock.reviews.decide(
        id,
        {
          id: APPROVER,
          name: APPROVER,
          identifiers: [APPROVER],
          groups: [],
          via: 'terminal',
          verified: true,
        },
        { decision: 'approve' },
      );
      if (!result.ok) throw new Error(`approving ${id}: ${result.refusal.message}`);
      decidedAt[id] = now(); // the decision is stored
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    }
    send({ type: 'approved', decidedAt });
  };

  process.on('message', (message: ToReplica) => {
    switch (message.type) {
      case 'approve':
        return void approve(message.ids, message.gapMs);
      case 'sample':
        return void sendMemory(send);
      case 'stop':
        return void airlock.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', proxyUrl: airlock.proxyUrl });
}

// ---- the floor (child process): a bare Node HTTPS server that holds every request it reads ----

async function serveFloor(settings: ReplicaSettings): Promise<void> {
  const { certPem, keyPem } = await loadOrCreateServingCertificate(settings.dataDir, ['127.0.0.1']);
  const held: ServerResponse[] = [];
  const server = createHttpsServer({ cert: certPem, key: keyPem }, (req, res) => {
    req.resume();
    req.on('end', () => held.push(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const send = (message: FromReplica) => process.send?.(message);
  process.on('message', (message: ToReplica) => {
    switch (message.type) {
      case 'count':
        return void send({ type: 'counted', held: held.length });
      case 'release':
        for (const res of held.splice(0)) res.end('{}');
        return void send({ type: 'released' });
      case 'sample':
        return void sendMemory(send);
      case 'stop':
        return void server.close(() => process.exit(0)).closeAllConnections();
      case 'approve':
        throw new Error('the floor holds requests; it takes no decisions');
    }
  });
  const { port } = server.address() as AddressInfo;
  send({ type: 'ready', proxyUrl: `https://127.0.0.1:${port}` });
}

// ---- the benchmark (parent process) ----

/** A forked child: where it listens, its settled memory, and stopping it. */
interface Child {
  child: ChildProcess;
  proxyUrl: string;
  memory(): Promise<Memory>;
  stop(): Promise<void>;
}

interface Replica extends Child {
  /** Approves the reviews in order; when each decision was stored. */
  approve(ids: readonly string[], gapMs: number): Promise<Record<string, number>>;
}

interface Floor extends Child {
  /** How many requests it holds. */
  held(): Promise<number>;
  /** Answers every request it holds. */
  release(): Promise<void>;
}

function nextMessage<T extends FromReplica['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<FromReplica, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromReplica) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<FromReplica, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`replica exited (${code}) before "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

type Ask = <T extends FromReplica['type']>(
  message: ToReplica,
  answer: T,
) => Promise<Extract<FromReplica, { type: T }>>;

async function startChild(settings: ReplicaSettings, role: string): Promise<Child & { ask: Ask }> {
  const child = fork(import.meta.filename, [role, JSON.stringify(settings)], {
    execArgv: [...serveNodeFlags(), '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask: Ask = async (message, answer) => {
    const reply = nextMessage(child, answer);
    child.send(message);
    return reply;
  };
  const { proxyUrl } = await nextMessage(child, 'ready');
  return {
    child,
    proxyUrl,
    ask,
    memory: async () => (await ask({ type: 'sample' }, 'sampled')).memory,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' } satisfies ToReplica);
      await exited;
    },
  };
}

async function startReplica(settings: ReplicaSettings): Promise<Replica> {
  const { ask, ...child } = await startChild(settings, REPLICA_ROLE);
  return {
    ...child,
    approve: async (ids, gapMs) =>
      (await ask({ type: 'approve', ids: [...ids], gapMs }, 'approved')).decidedAt,
  };
}

async function startFloor(settings: ReplicaSettings): Promise<Floor> {
  const { ask, ...child } = await startChild(settings, FLOOR_ROLE);
  return {
    ...child,
    held: async () => (await ask({ type: 'count' }, 'counted')).held,
    release: async () => void (await ask({ type: 'release' }, 'released')),
  };
}

interface Agent {
  ca: string;
  token: string;
}

/** An agent's reviewed DELETE of one ConfigMap through a replica (as kubectl sends it); resolves with the status. */
function deleteThrough(
  replica: Pick<Child, 'proxyUrl'>,
  agent: Agent,
  namespace: string,
  name: string,
): Promise<number> {
  const body = JSON.stringify({ propagationPolicy: 'Background' });
  return new Promise((resolve) => {
    const req = https.request(
      `${replica.proxyUrl}/clusters/default/api/v1/namespaces/${namespace}/configmaps/${name}`,
      {
        method: 'DELETE',
        ca: agent.ca,
        agent: false,
        headers: {
          authorization: `Bearer ${agent.token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function until(check: () => Promise<boolean>, what: string, deadline: number): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Round {
  name: string;
  parking: Replica;
  deciding: Replica;
  gapMs: number;
  target: string;
}

interface RoundResult {
  round: Round;
  parked: number;
  perParked: Memory;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

interface Bench {
  fake: FakeApiServer;
  /** When each DELETE path reached the fake API server. */
  arrivals: Map<string, number>;
  agent: Agent;
  /** Stored reviews of one namespace. */
  reviewsOf(namespace: string): Promise<{ id: string; path: string }[]>;
  deadline: number;
}

/** Parks `count` DELETEs at once, approves them all, and times each stored decision to its upstream arrival. */
async function runRound(bench: Bench, round: Round, namespace: string, count: number): Promise<RoundResult> {
  for (let i = 0; i < count; i++) {
    bench.fake.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace },
      data: { i: `${i}` },
    });
  }
  const before = await round.parking.memory();
  const answers = Array.from({ length: count }, (_, i) =>
    deleteThrough(round.parking, bench.agent, namespace, `cm-${i}`),
  );
  await until(
    async () => (await bench.reviewsOf(namespace)).length >= count,
    `${count} parked requests`,
    bench.deadline,
  );
  // The last reviews stored are a moment away from their wait; let them get there before sampling.
  await new Promise((r) => setTimeout(r, 1000));
  const parked = await round.parking.memory();

  const reviews = await bench.reviewsOf(namespace);
  const decidedAt = await round.deciding.approve(
    reviews.map((r) => r.id),
    round.gapMs,
  );
  const statuses = await Promise.all(answers);
  const latencies = reviews
    .map((r) => (bench.arrivals.get(r.path) ?? NaN) - (decidedAt[r.id] ?? NaN))
    .sort((a, b) => a - b);
  return {
    round,
    parked: count,
    perParked: { rss: (parked.rss - before.rss) / count, heap: (parked.heap - before.heap) / count },
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    errors: statuses.filter((s) => s !== 200).length + latencies.filter((l) => !Number.isFinite(l)).length,
  };
}

/**
 * Memory per request held by the floor: a warm-up first, then `count` at once on the fresh process, as Airlock's first
 * round is.
 */
async function floorRound(bench: Bench, floor: Floor, count: number): Promise<Memory> {
  const hold = async (n: number) => {
    const answers = Array.from({ length: n }, (_, i) =>
      deleteThrough(floor, bench.agent, 'bench-floor', `cm-${i}`),
    );
    await until(async () => (await floor.held()) >= n, `${n} held requests`, bench.deadline);
    await new Promise((r) => setTimeout(r, 1000));
    return answers;
  };
  const warmUp = await hold(WARMUP);
  await floor.release();
  await Promise.all(warmUp);
  const before = await floor.memory();
  const answers = await hold(count);
  const held = await floor.memory();
  await floor.release();
  await Promise.all(answers);
  return { rss: (held.rss - before.rss) / count, heap: (held.heap - before.heap) / count };
}

function report(results: readonly RoundResult[], floor: Memory, database: string): void {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  console.log(
    `\nParked requests (${database}; memory of the parking process, settled after full collections):`,
  );
  console.log(
    '| decisions | parked | growth per parked: RSS (V8 heap) | decision → upstream p50 / p99 / max ms | errors | target |',
  );
  console.log('|---|--:|--:|--:|--:|---|');
  for (const r of results) {
    console.log(
      `| ${r.round.name} | ${r.parked} | ${f(r.perParked.rss)} KiB (${f(r.perParked.heap)} KiB) | ${f(r.p50)} / ${f(r.p99)} / ${f(r.max)} | ${r.errors} | ${r.round.target} |`,
    );
  }
  const first = results[0]!.perParked;
  console.log(
    `| floor: a bare Node HTTPS server holding the same requests | ${results[0]!.parked} | ${f(floor.rss)} KiB (${f(floor.heap)} KiB) | — | — | — |`,
  );
  console.log(
    `Airlock's own share on the first round (first round − floor): ${f(first.rss - floor.rss)} KiB of RSS ` +
      `(${f(first.heap - floor.heap)} KiB of V8 heap) per parked request.`,
  );
}

export async function runParkedBenchmark(): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-parked-'));
  const settings: ReplicaSettings = {
    dataDir: join(dir, 'data'),
    ...(process.env.BENCH_DATABASE_URL ? { databaseUrl: process.env.BENCH_DATABASE_URL } : {}),
    kubeconfig: join(dir, 'upstream.kubeconfig'),
    policyFile: join(dir, 'policy.yaml'),
  };
  const arrivals = new Map<string, number>();
  const fake = await startFakeApiServer({ recordRequests: false });
  // A fault rule that never answers: its matcher sees every request as it arrives, which is all this needs.
  fake.addFault({
    match: (request) => {
      if (request.method === 'DELETE') arrivals.set(request.path, now());
      return false;
    },
    respond: 'destroy',
  });
  const children: Child[] = [];
  const watchdog = setTimeout(() => {
    console.error('parked benchmark: deadline passed, stopping');
    children.forEach((c) => c.child.kill('SIGKILL'));
    process.exit(1);
  }, DEADLINE_MS);
  const config = configSchema.parse({
    dataDir: settings.dataDir,
    ...(settings.databaseUrl ? { database: { url: settings.databaseUrl } } : {}),
  });
  let db: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    await writeFile(settings.kubeconfig, fake.kubeconfig());
    await writeFile(settings.policyFile, POLICY);
    // One after the other: the first creates the shared CA, token issuer and schema.
    const a = await startReplica(settings);
    children.push(a);
    const b = await startReplica(settings);
    children.push(b);
    const floor = await startFloor(settings);
    children.push(floor);

    db = await openDatabase(databaseUrl(config));
    const engine = createReviewEngine(db, { notify: () => undefined, now: () => new Date() });
    const issuer = await loadOrCreateLocalIssuer(settings.dataDir);
    const bench: Bench = {
      fake,
      arrivals,
      agent: {
        ca: await readFile(join(settings.dataDir, 'airlock-ca.crt'), 'utf8'),
        token: await issuer.mint({ agent: 'bench-agent', ttlSeconds: 3600 }),
      },
      async reviewsOf(namespace) {
        const all = await engine.list({ limit: 10 * PARKED });
        return all
          .filter((r) => r.classification.namespace === namespace)
          .map((r) => ({ id: r.id, path: r.classification.path }));
      },
      deadline,
    };

    const rounds: Round[] = [
      {
        name: `one process, paced (${PACE_MS} ms apart)`,
        parking: a,
        deciding: a,
        gapMs: PACE_MS,
        target: 'p99 < 100 ms',
      },
      { name: 'one process, burst', parking: a, deciding: a, gapMs: 0, target: 'p99 < 100 ms' },
      {
        name: `two replicas, paced (${PACE_MS} ms apart)`,
        parking: a,
        deciding: b,
        gapMs: PACE_MS,
        target: 'p99 < 1 s',
      },
      { name: 'two replicas, burst', parking: a, deciding: b, gapMs: 0, target: 'p99 < 1 s' },
    ];
    console.log(
      `\nparking ${PARKED} reviewed DELETEs at once, ${rounds.length} times (after a warm-up of ${WARMUP}) …`,
    );
    await runRound(bench, rounds[0]!, 'bench-warmup', WARMUP);
    const results: RoundResult[] = [];
    for (const [i, round] of rounds.entries()) {
      results.push(await runRound(bench, round, `bench-${i}`, PARKED));
      console.log(`done: ${round.name}`);
    }
    const floorMemory = await floorRound(bench, floor, PARKED);
    report(results, floorMemory, settings.databaseUrl ? 'Postgres' : 'SQLite');
    console.log(
      'Target for RSS growth: < 50 KiB per parked request. Later rounds run on a process whose heap and allocator ' +
        'already grew in the first, so the first round is the one to read for memory.',
    );
  } finally {
    clearTimeout(watchdog);
    await Promise.all(children.map((c) => c.stop()));
    await db?.destroy();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// Forked by startReplica with an IPC channel; importing this module (bench/run.ts does) runs nothing.
const [role, replicaSettings] = process.argv.slice(2);
if (replicaSettings && process.send) {
  if (role === REPLICA_ROLE) void serveReplica(JSON.parse(replicaSettings) as ReplicaSettings);
  if (role === FLOOR_ROLE) void serveFloor(JSON.parse(replicaSettings) as ReplicaSettings);
}
