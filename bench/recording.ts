import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { createRecorder } from '../src/recording/recorder.js';
import type { RecordInput } from '../src/recording/types.js';
import { freshPostgresDatabase } from '../test/support/postgres.js';

/**
 * Recording throughput (part of `npm run bench`): how many request records per second one process stores, and the
 * CPU each costs (canonical JSON, hashing, SQL, the driver), on SQLite and — with BENCH_POSTGRES_URL — on Postgres.
 * Records come as the gateway hands them over (a small GET each), in waves that keep the recorder's queue below its
 * cap, so the number is what the store sustains, not how fast a queue fills.
 */

const EVENTS = process.env.BENCH_SHORT === '1' ? 2_000 : 30_000;
const WAVE = 1_000;

function readInput(i: number): RecordInput {
  const info = {
    isResourceRequest: true,
    verb: 'get',
    apiPrefix: 'api',
    apiGroup: '',
    apiVersion: 'v1',
    namespace: 'bench',
    resource: 'configmaps',
    subresource: '',
    name: `cm-${i % 500}`,
    parts: ['configmaps', `cm-${i % 500}`],
  };
  return {
    requestId: `req-${i}`,
    time: new Date(),
    agent: {
      name: 'bench',
      issuer: 'https://issuer.bench',
      subject: 'bench',
      tokenId: 'tok-1',
      groups: [],
      expiresAt: new Date(Date.now() + 3_600_000),
    },
    cluster: 'default',
    request: {
      method: 'GET',
      path: `/api/v1/namespaces/bench/configmaps/cm-${i % 500}`,
      query: new URLSearchParams(),
      info,
      dryRun: false,
    },
    decision: {
      action: 'allow',
      rule: 'reads',
      unmasked: false,
      recording: { level: 'request', bestEffort: false },
    },
    status: 200,
    latencyMs: 2,
    bytesIn: 0,
    bytesOut: 1_000,
  };
}

async function measure(url: string): Promise<{ perSecond: number; cpuUs: number }> {
  const db = await openDatabase(url);
  const recorder = createRecorder(db, { batchMs: 100 });
  try {
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let sent = 0; sent < EVENTS; sent += WAVE) {
      for (let i = sent; i < Math.min(EVENTS, sent + WAVE); i++) recorder.record(readInput(i));
      await recorder.flush();
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { perSecond: EVENTS / seconds, cpuUs: (used.user + used.system) / EVENTS };
  } finally {
    await recorder.close();
    await db.destroy();
  }
}

export async function runRecordingBenchmark(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-recording-'));
  const row = (name: string, { perSecond, cpuUs }: { perSecond: number; cpuUs: number }) =>
    console.log(`| ${name} | ${perSecond.toFixed(0)} | ${cpuUs.toFixed(0)} |`);
  try {
    console.log(`\nRecording throughput (${EVENTS} small-GET records, one process, batches every 100 ms):`);
    console.log('| store | records/s | CPU µs/record (whole process) |');
    console.log('|---|--:|--:|');
    row('SQLite (WAL, file)', await measure(`sqlite:${join(dir, 'airlock.db')}`));
    const postgres = process.env.BENCH_POSTGRES_URL;
    if (postgres) {
      // A database of its own on that server, dropped afterwards.
      const database = await freshPostgresDatabase('airlock_bench', postgres);
      try {
        row('Postgres', await measure(database.url));
      } finally {
        await database.drop();
      }
    } else console.log('(Postgres: set BENCH_POSTGRES_URL to a server URL to measure it too)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
