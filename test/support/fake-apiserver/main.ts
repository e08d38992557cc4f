/**
 * Runs one fake API server for humans and the benchmark:
 *   main.ts <kubeconfig-path>  → writes a kubeconfig there, prints the URL, serves until SIGINT/SIGTERM.
 * FAKE_APISERVER_TOKEN and FAKE_APISERVER_VERSION override the token and the reported version.
 */
import { writeFile } from 'node:fs/promises';
import { startFakeApiServer } from './index.js';

const kubeconfigPath = process.argv[2];
if (!kubeconfigPath) {
  process.stderr.write('usage: main.ts <kubeconfig-path>\n');
  process.exit(2);
}

const server = await startFakeApiServer({
  recordRequests: false,
  ...(process.env.FAKE_APISERVER_TOKEN ? { token: process.env.FAKE_APISERVER_TOKEN } : {}),
  ...(process.env.FAKE_APISERVER_VERSION ? { gitVersion: process.env.FAKE_APISERVER_VERSION } : {}),
});
await writeFile(kubeconfigPath, server.kubeconfig(), { mode: 0o600 });
process.stdout.write(`${server.url}\n`);

const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
