/**
 * `pods/exec` over WebSocket (`v5.channel.k8s.io`, as kubectl ≥1.30 and client-node speak it). Each
 * binary message starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 the final Status,
 * 255 a stream close. SPDY (POST) upgrades are refused with a Status, as Airlock refuses them.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isStatusError } from '../../../src/kube/status.js';
import { badRequest } from './errors.js';
import { spawnFakeProcess, type ContainerFiles, type FakeProcess } from './fake-process.js';
import { statusReply, sendReplyOnSocket } from './http-io.js';
import type { KubeObject } from './objects.js';
import type { OpenStreams } from './open-streams.js';
import { resolveContainer } from './pod-log.js';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, close: 255 } as const;
type Channel = (typeof CHANNEL)[keyof typeof CHANNEL];

const toBuffer = (data: RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

/** The Status kubelet sends on the error channel when the command ends. */
function exitStatus(argv: readonly string[], code: number): object {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export interface ExecRequest {
  pod: KubeObject;
  query: URLSearchParams;
}

export class PodExecServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  constructor(private readonly streams: OpenStreams) {}

  /** Validates the exec request, then upgrades; failures are answered on the socket before any upgrade. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, exec: ExecRequest): void {
    try {
      if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
        throw badRequest(
          `this fake API server only serves exec over WebSocket (${PROTOCOLS.join(', ')}); ${req.method ?? ''} ${req.headers.upgrade ?? ''} upgrades are not supported`,
        );
      }
      resolveContainer(exec.pod, exec.query.get('container'));
      const argv = exec.query.getAll('command');
      if (argv.length === 0) throw badRequest('you must specify at least 1 command');
      const files = this.filesOf(exec.pod);
      this.wss.handleUpgrade(req, socket, head, (ws) =>
        this.run(ws, argv, exec.query.get('stdin') === 'true', files),
      );
    } catch (err) {
      if (!isStatusError(err)) throw err;
      sendReplyOnSocket(socket, statusReply(err));
    }
  }

  /** Each pod's files, kept while the fake runs (for `kubectl cp`); by namespace/name, so a new pod starts empty. */
  private readonly files = new Map<string, ContainerFiles>();

  private filesOf(pod: KubeObject): ContainerFiles {
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name}/${pod.metadata.uid ?? ''}`;
    let files = this.files.get(key);
    if (!files) this.files.set(key, (files = new Map()));
    return files;
  }

  private run(ws: WebSocket, argv: readonly string[], stdinAttached: boolean, files: ContainerFiles): void {
    const send = (channel: Channel, data: string | Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    };
    let exited = false;
    const untrack = this.streams.track(() => ws.terminate());
    ws.on('close', untrack);
    const process: FakeProcess = spawnFakeProcess(
      argv,
      {
        stdout: (data) => send(CHANNEL.stdout, data),
        stderr: (text) => send(CHANNEL.stderr, text),
        exit: (code) => {
          exited = true;
          send(CHANNEL.status, JSON.stringify(exitStatus(argv, code)));
          ws.close(1000);
        },
      },
      files,
    );
    if (exited) return;
    if (!stdinAttached) process.endInput();
    ws.on('message', (data: RawData) => {
      const bytes = toBuffer(data);
      if (bytes[0] === CHANNEL.stdin) process.write(bytes.subarray(1));
      else if (bytes[0] === CHANNEL.close && bytes[1] === CHANNEL.stdin) process.endInput();
    });
  }
}
