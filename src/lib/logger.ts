import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Credential-bearing fields are censored by path as a second line of defence:
 * the code never logs headers or bodies on purpose.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
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
    },
    // Asynchronous: lines written while a write is in flight are coalesced into the next one, so a busy gateway
    // does not pay a write(2) per request; pino flushes what is left when the process exits.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
