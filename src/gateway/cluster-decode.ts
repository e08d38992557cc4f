/**
 * Request bodies Airlock cannot read itself — protobuf, which kubectl's `create` generators, `expose`, `auth can-i`
 * and typed clients send, and CBOR — are decoded by the cluster: the same request with `dryRun=All` and
 * `Accept: application/json` answers with the object as JSON and changes nothing. Policy, previews, the write-back
 * guard and the recording then see that JSON, and the agent's own bytes are what is forwarded. The cluster already
 * knows every built-in type it serves, at its own version; an in-process decoder would need a schema for each.
 */
import type { Agent } from '../identity/agent.js';
import type { ClassifiedRequest } from '../kube/request-info.js';
import { StatusError, isStatusReason } from '../kube/status.js';
import type { UpstreamCluster } from '../kube/upstream.js';
import type { Masker } from '../masking/index.js';
import { createPreviewUpstream } from '../preview/upstream-client.js';

export interface EncodedBody {
  cluster: UpstreamCluster;
  agent: Agent;
  request: ClassifiedRequest;
  contentType: string;
  body: Buffer;
}

/** Returns the body as a JSON value, or throws the StatusError the agent should see. */
export type BodyDecoder = (input: EncodedBody) => Promise<unknown>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

export function createClusterBodyDecoder(opts: { masker: Masker; timeoutMs: number }): BodyDecoder {
  return async ({ cluster, agent, request, contentType, body }) => {
    let answer;
    try {
      answer = await createPreviewUpstream(cluster, agent, opts.timeoutMs).dryRun(request, contentType, body);
    } catch (err) {
      throw new StatusError(
        'ServiceUnavailable',
        `Airlock has the cluster decode "${contentType}" bodies before it decides on them, and that failed ` +
          `(${(err as Error).message}); retry, or send the object as JSON`,
        { retryAfterSeconds: 1 },
      );
    }
    if (answer.status >= 200 && answer.status < 300 && isObject(answer.body)) return answer.body;
    // The real request would fail the same way: the agent sees the cluster's own answer, masked.
    const status = isObject(answer.body) ? answer.body : {};
    const message =
      typeof status.message === 'string' ? status.message : `the cluster answered ${answer.status}`;
    return Promise.reject(
      new StatusError(
        isStatusReason(status.reason) ? status.reason : 'InternalError',
        opts.masker.maskText(message),
        undefined,
        answer.status >= 400 ? answer.status : 500,
      ),
    );
  };
}
