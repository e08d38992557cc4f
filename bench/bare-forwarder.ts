/**
 * The floor Airlock is measured against: a few lines of Node that terminate TLS and pipe each request to the same
 * upstream with the token injected — no authentication, policy, masking or recording.
 *   bare-forwarder.js <upstream-url> <token> <upstream-ca-file>  → prints {"url","caPem"} as one JSON line.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { serverCertificate } from '../test/support/fake-apiserver/certs.js';

const [upstreamUrl, token, caFile] = process.argv.slice(2);
if (!upstreamUrl || !token || !caFile) {
  process.stderr.write('usage: bare-forwarder.js <upstream-url> <token> <upstream-ca-file>\n');
  process.exit(2);
}
const upstream = new URL(upstreamUrl);
const agent = new https.Agent({ keepAlive: true, maxSockets: 512, ca: readFileSync(caFile, 'utf8') });
const { caPem, certPem, keyPem } = await serverCertificate();

const server = https.createServer({ cert: certPem, key: keyPem }, (req, res) => {
  const outgoing = https.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: (req.url ?? '/').replace(/^\/clusters\/default/, ''),
      headers: { ...req.headers, host: upstream.host, authorization: `Bearer ${token}` },
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  outgoing.on('error', () => res.destroy());
  res.on('close', () => outgoing.destroy());
  req.pipe(outgoing);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `https://127.0.0.1:${port}`, caPem })}\n`);
});
process.once('SIGTERM', () => process.exit(0));
