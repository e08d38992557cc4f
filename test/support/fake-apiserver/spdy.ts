/**
 * The server side of SPDY/3.1 as kubelet speaks it for port-forward (moby/spdystream): frames, streams and zlib
 * header blocks with the SPDY/3 dictionary. kubectl ≥1.30 tunnels this inside a WebSocket
 * (`SPDY/3.1+portforward.k8s.io`), so the session reads and writes plain bytes and its owner carries them.
 * No flow control: the fake's streams are small echoes.
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';

const WORDS = [
  'options',
  'head',
  'post',
  'put',
  'delete',
  'trace',
  'accept',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'age',
  'allow',
  'authorization',
  'cache-control',
  'connection',
  'content-base',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'content-type',
  'date',
  'etag',
  'expect',
  'expires',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'pragma',
  'proxy-authenticate',
  'proxy-authorization',
  'range',
  'referer',
  'retry-after',
  'server',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'vary',
  'via',
  'warning',
  'www-authenticate',
  'method',
  'get',
  'status',
  '200 OK',
  'version',
  'HTTP/1.1',
  'url',
  'public',
  'set-cookie',
  'keep-alive',
  'origin',
];
const TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505203 Non-Authoritative ' +
  'Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 ' +
  'Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec ' +
  '00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,' +
  'application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=' +
  'iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 zlib dictionary (spdy-protocol draft 3 §2.6.10.1): each word with its 32-bit length, then the tail. */
export const SPDY_DICTIONARY = Buffer.concat([
  ...WORDS.flatMap((word) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(word.length);
    return [length, Buffer.from(word, 'latin1')];
  }),
  Buffer.from(TAIL, 'latin1'),
]);

const FRAME = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
} as const;
const FLAG_FIN = 0x01;

export interface SpdyStream {
  readonly id: number;
  readonly headers: ReadonlyMap<string, string>;
  /** Data the peer sent on this stream; `end` once it half-closed it. */
  onData(listener: (data: Buffer) => void): void;
  onEnd(listener: () => void): void;
  write(data: Buffer): void;
  /** Half-closes our side. */
  end(): void;
}

/** Runs `work` after everything queued before it: frames and their zlib contexts are strictly ordered. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run(work: () => Promise<void> | void): void {
    this.tail = this.tail.then(work).catch(() => undefined);
  }
}

/** One pass of a stream-wide zlib context: write a block, flush, collect what came out. */
function through(zlib: Inflate | Deflate, block: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const collect = (chunk: Buffer) => out.push(chunk);
    zlib.on('data', collect);
    zlib.once('error', reject);
    zlib.write(block);
    zlib.flush(constants.Z_SYNC_FLUSH, () => {
      zlib.off('data', collect);
      zlib.off('error', reject);
      resolve(Buffer.concat(out));
    });
  });
}

function parseHeaderBlock(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>();
  let at = 4;
  const take = () => {
    const length = block.readUInt32BE(at);
    const value = block.subarray(at + 4, at + 4 + length).toString('latin1');
    at += 4 + length;
    return value;
  };
  for (let count = block.readUInt32BE(0); count > 0; count--) headers.set(take().toLowerCase(), take());
  return headers;
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | 3, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE((flags << 24) | payload.length, 4);
  return Buffer.concat([header, payload]);
}

function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE((flags << 24) | data.length, 4);
  return Buffer.concat([header, data]);
}

export class SpdyServerSession {
  private buffered = Buffer.alloc(0);
  private readonly serial = new Serial();
  private readonly inflate = createInflate({ dictionary: SPDY_DICTIONARY });
  private readonly deflate = createDeflate({ dictionary: SPDY_DICTIONARY });
  private readonly streams = new Map<number, { data: ((d: Buffer) => void)[]; end: (() => void)[] }>();

  constructor(
    private readonly send: (bytes: Buffer) => void,
    private readonly onStream: (stream: SpdyStream) => void,
  ) {}

  /** Bytes from the peer, in any chunking. */
  receive(bytes: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, bytes]);
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt32BE(4) & 0xffffff;
      if (this.buffered.length < 8 + length) return;
      const frame = this.buffered.subarray(0, 8 + length);
      this.buffered = this.buffered.subarray(8 + length);
      this.serial.run(() => this.handle(frame));
    }
  }

  close(): void {
    this.inflate.close();
    this.deflate.close();
  }

  private async handle(frame: Buffer): Promise<void> {
    const flags = frame[4]!;
    const payload = frame.subarray(8);
    if ((frame[0]! & 0x80) === 0) {
      const listeners = this.streams.get(frame.readUInt32BE(0) & 0x7fffffff);
      if (payload.length > 0) listeners?.data.forEach((l) => l(payload));
      if (flags & FLAG_FIN) listeners?.end.forEach((l) => l());
      return;
    }
    switch (frame.readUInt16BE(2)) {
      case FRAME.synStream: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const headers = parseHeaderBlock(await through(this.inflate, payload.subarray(10)));
        await this.reply(id);
        const listeners = { data: [] as ((d: Buffer) => void)[], end: [] as (() => void)[] };
        this.streams.set(id, listeners);
        this.onStream({
          id,
          headers,
          onData: (l) => listeners.data.push(l),
          onEnd: (l) => listeners.end.push(l),
          write: (data) => this.send(dataFrame(id, 0, data)),
          end: () => this.send(dataFrame(id, FLAG_FIN, Buffer.alloc(0))),
        });
        if (flags & FLAG_FIN) listeners.end.forEach((l) => l());
        return;
      }
      case FRAME.headers:
        // Header blocks share the stream-wide zlib context: inflate it even though nothing here needs it.
        await through(this.inflate, payload.subarray(4));
        return;
      case FRAME.rstStream:
        this.streams.get(payload.readUInt32BE(0) & 0x7fffffff)?.end.forEach((l) => l());
        return;
      case FRAME.ping:
        this.send(controlFrame(FRAME.ping, 0, payload));
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, GOAWAY: nothing the fake acts on
    }
  }

  /** SYN_REPLY with an empty header block, as kubelet accepts each stream. */
  private async reply(id: number): Promise<void> {
    const streamId = Buffer.alloc(4);
    streamId.writeUInt32BE(id);
    const block = await through(this.deflate, Buffer.alloc(4)); // zero header pairs
    this.send(controlFrame(FRAME.synReply, 0, Buffer.concat([streamId, block])));
  }
}
