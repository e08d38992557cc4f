/** Injected failures: the first matching rule answers instead of the API (a Status, a hang, a reset). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError, type StatusReason } from '../../../src/kube/status.js';
import type { Reply } from './http-io.js';

/** One request exactly as received; `headers` keeps every header line, lower-cased names. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string[]>;
  body: string;
}

/**
 * A fault: a Status (or body) instead of the API's answer, a hang, a reset — or `raw`, a hostile handler that
 * writes whatever it likes (mid-stream resets, endless logs, encodings nobody asked for).
 */
export type FaultResponse =
  | { status: number; body?: unknown }
  | { raw: (res: ServerResponse, req: IncomingMessage) => void }
  | 'hang'
  | 'destroy';

export interface FaultRule {
  match: (request: RecordedRequest) => boolean;
  respond: FaultResponse;
  /** How many requests the rule answers before it retires; unlimited when omitted. */
  times?: number;
}

const REASON_OF_CODE: Readonly<Record<number, StatusReason>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A fault's reply: its own body, or a Status that says it was injected. */
export function faultReply(fault: { status: number; body?: unknown }): Reply {
  if (fault.body !== undefined) return { status: fault.status, body: fault.body };
  const reason = REASON_OF_CODE[fault.status] ?? 'InternalError';
  const error = new StatusError(
    reason,
    `fault injected by the test (HTTP ${fault.status})`,
    undefined,
    fault.status,
  );
  return { status: fault.status, body: error.toStatus() };
}

export class FaultInjector {
  private readonly rules: FaultRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  /** The response of the first rule matching `request`, consuming one of its `times`. */
  take(request: RecordedRequest): FaultResponse | undefined {
    const index = this.rules.findIndex((rule) => rule.match(request));
    const rule = this.rules[index];
    if (!rule) return undefined;
    if (rule.times !== undefined && --rule.times <= 0) this.rules.splice(index, 1);
    return rule.respond;
  }
}
