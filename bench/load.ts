import http from 'node:http';
import https from 'node:https';

/** A closed-loop load generator: `concurrency` workers, each sending the next request when the last one finished. */

export interface Target {
  url: string;
  headers: Record<string, string>;
  ca?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  bytes: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runLoad(
  target: Target,
  opts: { concurrency: number; seconds: number },
): Promise<LoadResult> {
  const url = new URL(target.url);
  const secure = url.protocol === 'https:';
  const agent = secure
    ? new https.Agent({
        keepAlive: true,
        maxSockets: opts.concurrency,
        ...(target.ca ? { ca: target.ca } : {}),
      })
    : new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const transport = secure ? https : http;
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  const deadline = Date.now() + opts.seconds * 1000;

  const once = () =>
    new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      const req = transport.request(url, { agent, headers: target.headers }, (res) => {
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });

  const started = Date.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (Date.now() < deadline) await once();
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
    bytes,
  };
}
