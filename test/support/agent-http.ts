/**
 * Talking to Airlock's proxy listener as an agent would without kubectl: real curl, Node's https client, and raw TLS
 * sockets for what no polite client sends (upgrade headers on reads, stalled headers and bodies).
 */
import { execFile } from 'node:child_process';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { join } from 'node:path';
import tls from 'node:tls';
import type { Harness } from './airlock-harness.js';

export interface AgentAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface AgentHttp {
  /** `/api/v1/…` relative to the default cluster. */
  url(path: string): string;
  request(opts: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
  }): Promise<AgentAnswer>;
  /** Real curl with the agent's token; returns status, headers and body. */
  curl(path: string, args?: string[]): Promise<AgentAnswer>;
  /** Opens a TLS connection to the proxy listener. */
  socket(): Promise<tls.TLSSocket>;
  /** Sends a request and resolves once the response headers arrived (a stream established, not assumed). */
  open(opts: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
  }): Promise<{ res: IncomingMessage; close(): void }>;
}

export async function agentHttp(h: Harness, token: string): Promise<AgentHttp> {
  const proxy = new URL(h.airlock.proxyUrl);
  const caFile = join(h.dir, 'airlock-ca.crt');
  const { readFile } = await import('node:fs/promises');
  const ca = await readFile(caFile, 'utf8');
  const url = (path: string) => `${h.airlock.proxyUrl}/clusters/default${path}`;
  const open: AgentHttp['open'] = ({ method = 'GET', path, headers = {}, body }) =>
    new Promise((resolve, reject) => {
      const req = https.request(url(path), {
        method,
        ca,
        agent: false,
        headers: { authorization: `Bearer ${token}`, ...headers },
      });
      req.on('response', (res) => resolve({ res, close: () => req.destroy() }));
      req.on('error', reject);
      req.end(body);
    });
  return {
    url,
    open,
    async request(opts) {
      const { res } = await open(opts);
      return new Promise((resolve, reject) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      });
    },
    curl(path, args = []) {
      return new Promise((resolve, reject) => {
        execFile(
          'curl',
          ['-sS', '--cacert', caFile, '-H', `Authorization: Bearer ${token}`, '-D', '-', ...args, url(path)],
          { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout) => {
            if (err && !stdout) return reject(err);
            const blocks = stdout.split('\r\n\r\n');
            // Skip interim answers (100 Continue) to the final header block.
            let i = 0;
            while (/^HTTP\/[\d.]+ 1\d\d/.test(blocks[i] ?? '') && i < blocks.length - 1) i++;
            const [statusLine, ...headerLines] = (blocks[i] ?? '').split('\r\n');
            const headers: IncomingHttpHeaders = {};
            for (const line of headerLines) {
              const at = line.indexOf(':');
              headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
            }
            resolve({
              status: Number(statusLine?.split(' ')[1] ?? 0),
              headers,
              body: blocks.slice(i + 1).join('\r\n\r\n'),
            });
          },
        );
      });
    },
    socket() {
      return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: proxy.hostname, port: Number(proxy.port), ca });
        socket.once('secureConnect', () => resolve(socket));
        socket.once('error', reject);
      });
    },
  };
}

/** Everything a socket receives until the server closes it (bounded by `timeoutMs`). */
export function readUntilClosed(
  socket: tls.TLSSocket,
  timeoutMs = 10_000,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (text += c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}
