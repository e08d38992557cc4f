/** How a failed Slack call is retried: later (with Slack's Retry-After when it gave one) or never. */

export type DeliveryFailure =
  { retry: true; afterMs?: number; reason: string } | { retry: false; reason: string };

/** Platform errors (`ok: false`) that are Slack's trouble, not ours: everything else of that kind will never pass. */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

interface SlackErrorShape {
  code?: unknown;
  message?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  data?: { error?: unknown };
}

export function classifyFailure(error: unknown): DeliveryFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SlackErrorShape;
  const reason = typeof e.message === 'string' ? e.message : String(error);
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return {
        retry: true,
        reason,
        ...(typeof e.retryAfter === 'number' ? { afterMs: e.retryAfter * 1000 } : {}),
      };
    case 'slack_webapi_platform_error': {
      const code = typeof e.data?.error === 'string' ? e.data.error : 'unknown';
      return TRANSIENT_PLATFORM_ERRORS.has(code) ? { retry: true, reason } : { retry: false, reason };
    }
    case 'slack_webapi_http_error':
      // 4xx other than 408/429 means the request itself is wrong; 5xx is Slack having a bad moment.
      return typeof e.statusCode === 'number' &&
        e.statusCode < 500 &&
        e.statusCode !== 408 &&
        e.statusCode !== 429
        ? { retry: false, reason }
        : { retry: true, reason };
    default:
      // Network errors, timeouts and our own database hiccups: try again.
      return { retry: true, reason };
  }
}

/**
 * Exponential back-off, capped, with "equal jitter": between half and all of 1 s, 2 s, 4 s … up to `maxMs` with the
 * defaults. The jitter keeps replicas (and messages) that failed together from retrying together.
 */
export function backoffMs(
  attempts: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
