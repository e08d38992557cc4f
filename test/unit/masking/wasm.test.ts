import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('builds every WebAssembly module from the text beside it (npm run build:wasm)', async () => {
  const { stderr } = await promisify(execFile)(process.execPath, ['scripts/build-wasm.mjs', '--check']);
  expect(stderr).toBe('');
});
