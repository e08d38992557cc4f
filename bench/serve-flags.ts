import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The Node flags `npm start` runs `airlock serve` with (the Docker image's entrypoint passes the same): the benchmark
 * measures the gateway as it is run, so it reads them from package.json rather than keeping its own copy.
 */
export function serveNodeFlags(): string[] {
  const root = resolve(import.meta.dirname, '..', '..');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [node, ...words] = manifest.scripts.start.split(/\s+/);
  if (node !== 'node')
    throw new Error(`package.json's start script does not start with "node": ${manifest.scripts.start}`);
  const script = words.findIndex((w) => !w.startsWith('-'));
  if (script < 0) throw new Error(`package.json's start script names no program: ${manifest.scripts.start}`);
  return words.slice(0, script);
}
