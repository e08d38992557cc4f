/**
 * What the cluster shows of a reviewed object now, as one sentence for a review whose execution lost its answer:
 * the cluster, not Airlock's memory, says whether the change happened. Reads as Airlock itself.
 */
import type { UpstreamCluster } from '../kube/upstream.js';
import type { Review } from '../reviews/model.js';
import { shownTarget } from '../reviews/shown.js';
import { createPreviewUpstream, UpstreamUnavailableError } from './upstream-client.js';

const DEFAULT_TIMEOUT_MS = 5_000;

interface LiveObject {
  metadata?: { resourceVersion?: unknown; uid?: unknown; deletionTimestamp?: unknown };
}

export function createInspector(deps: {
  clusters: ReadonlyMap<string, UpstreamCluster>;
  timeoutMs?: number;
}): (review: Review) => Promise<string> {
  return async (review) => {
    const c = review.classification;
    const cluster = deps.clusters.get(review.cluster);
    if (!cluster) return `cluster "${review.cluster}" is not configured, so the object could not be checked`;
    if (!c.name) return `a ${c.verb} names no object in its path: look for it in the cluster`;
    // The object itself, also for a write to one of its subresources (scale, status).
    const path = c.subresource ? c.path.slice(0, -`/${c.subresource}`.length) : c.path;
    // Only get() is used, which never impersonates: the agent's credential details are not needed.
    const upstream = createPreviewUpstream(
      cluster,
      { ...review.agent, tokenId: 'airlock-inspect', expiresAt: new Date(0) },
      deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    try {
      const answer = await upstream.get(path);
      const { name } = shownTarget(review); // the reply is shown in Slack
      if (answer.status === 404) return `${c.resource} "${name}" does not exist`;
      if (answer.status !== 200) return `reading ${c.resource} "${name}" answered HTTP ${answer.status}`;
      const meta = (answer.body as LiveObject | undefined)?.metadata ?? {};
      const reviewed = review.pin?.resourceVersion ? ` (reviewed at ${review.pin.resourceVersion})` : '';
      const deleting = meta.deletionTimestamp ? ', being deleted' : '';
      return `${c.resource} "${name}" exists at resourceVersion ${String(meta.resourceVersion)}${reviewed}${deleting}`;
    } catch (err) {
      if (err instanceof UpstreamUnavailableError) return `the cluster could not be reached (${err.message})`;
      throw err;
    }
  };
}
