/**
 * Airlock's log lines on stdout are buffered (written in batches, not per request) yet never held back: a line logged
 * by a quiet process reaches stdout in about 100 ms, and lines logged just before exit are written.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const LOGGER = join(import.meta.dirname, '..', '..', 'dist', 'src', 'lib', 'logger.js');

/** Runs a script with `logger` in scope; resolves with each stdout line and when it arrived (ms after start). */
function run(script: string): Promise<{ line: string; at: number }[]> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createLogger } from '${LOGGER}'; const logger = createLogger('info'); ${script}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: { line: string; at: number }[] = [];
  let rest = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) lines.push({ line, at: Date.now() - started });
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(lines));
  });
}

it('writes a line of a quiet process within a few hundred milliseconds, long before it exits', async () => {
  const lines = await run(`logger.info('first'); setTimeout(() => logger.info('last'), 2000);`);
  expect(lines.map((l) => JSON.parse(l.line).msg)).toEqual(['first', 'last']);
  expect(lines[0]!.at).toBeLessThan(lines[1]!.at - 1000);
});

it('writes every line of a burst, including those logged just before the process exits', async () => {
  const lines = await run(`for (let i = 0; i < 500; i++) logger.info({ i }, 'request'); process.exit(0);`);
  expect(lines.map((l) => JSON.parse(l.line).i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
});
