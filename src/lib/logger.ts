import { pino, type Logger } from 'pino';

export type { Logger };

/** A line logged reaches stdout within about this long, however quiet the gateway is. */
const FLUSH_MS = 100;
/** Lines gather up to this many bytes before a write. */
const WRITE_BYTES = 8192;

/**
 * Structured JSON logs. Credential-bearing fields are censored by path as a second line of defence:
 * the code never logs headers or bodies on purpose.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const out = destination ? { stream: destination } : bufferedStdout();
  return pino(
    {
      level,
      base: { service: 'airlock' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          '*.authorization',
          '*.headers.authorization',
          '*.token',
          '*.botToken',
          '*.signingSecret',
          '*.password',
        ],
        censor: '<redacted>',
      },
      ...('noteLine' in out ? { hooks: { streamWrite: out.noteLine } } : {}),
    },
    out.stream,
  );
}

/**
 * Asynchronous and buffered: a busy gateway logs every request, and writing lines as they came (a few at a time,
 * coalesced only while a write was in flight) cost ~9 µs of the event loop per request. Lines are flushed on a
 * timer while any are being logged, and pino writes what is left when the process exits.
 */
function bufferedStdout(): {
  stream: pino.DestinationStream & { flush(): void };
  noteLine(line: string): string;
} {
  const stream = pino.destination({ dest: 1, sync: false, minLength: WRITE_BYTES });
  // Ticks since a line was logged. The tick after the last lines flushes once more: a flush that met a write in
  // flight leaves the rest buffered.
  let quietTicks = 2;
  setInterval(() => {
    if (quietTicks++ < 2) stream.flush();
  }, FLUSH_MS).unref();
  return {
    stream,
    noteLine(line) {
      quietTicks = 0;
      return line;
    },
  };
}
