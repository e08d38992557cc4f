import { parse as parseYaml } from 'yaml';
import { requestBodyKind } from '../kube/content-negotiation.js';

/** An agent's request body as Airlock understands it: decoded when it can be inspected, opaque otherwise. */
export type ParsedBody = { kind: 'empty' } | { kind: 'document'; value: unknown } | { kind: 'opaque' };

export function parseRequestBody(body: Buffer, contentType: string): ParsedBody {
  if (body.length === 0) return { kind: 'empty' };
  const kind = requestBodyKind(contentType);
  try {
    if (kind === 'json') return { kind: 'document', value: JSON.parse(body.toString('utf8')) };
    if (kind === 'yaml') return { kind: 'document', value: parseYaml(body.toString('utf8')) };
  } catch {
    return { kind: 'opaque' };
  }
  return { kind: 'opaque' };
}
