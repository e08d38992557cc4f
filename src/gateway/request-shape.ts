/**
 * What kind of exchange a classified request is, decided by the same rules kube-apiserver uses — never by a query
 * parameter or header alone (`?follow=true` on a Secret, `Connection: Upgrade` on a GET, `pretty=true` must not
 * select a path that skips masking).
 */
import type { RequestInfo } from '../kube/request-info.js';

/** How the cluster's answer is relayed and masked. */
export type ResponseShape =
  /** Newline-framed JSON WatchEvents, masked event by event. */
  | 'watch'
  /** Container logs (followed or not), masked line by line as they stream. */
  | 'log'
  /** A collection: masked item by item when large. */
  | 'list'
  /** One document (an object, a Status, discovery), read whole within a bound and masked. */
  | 'document';

export function responseShape(info: RequestInfo): ResponseShape {
  if (info.verb === 'watch') return 'watch';
  if (info.isResourceRequest && info.resource === 'pods' && info.subresource === 'log') return 'log';
  if (info.verb === 'list') return 'list';
  return 'document';
}

const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

/** kube-apiserver's LongRunningRequestCheck: these get no request deadline and count against the stream limit. */
export function isLongRunning(info: RequestInfo): boolean {
  if (!info.isResourceRequest) return false;
  return info.verb === 'watch' || info.verb === 'proxy' || LONG_RUNNING_SUBRESOURCES.has(info.subresource);
}

const UPGRADABLE_POD_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/**
 * Connection upgrades are spliced only where Kubernetes uses them: pod sessions and proxying. Anything else
 * (a WebSocket watch, an Upgrade header on an ordinary read) would hand the agent an unmasked byte stream.
 */
export function mayUpgrade(info: RequestInfo): boolean {
  if (!info.isResourceRequest) return false;
  if (info.verb === 'proxy' || info.subresource === 'proxy') return true;
  return info.resource === 'pods' && UPGRADABLE_POD_SUBRESOURCES.has(info.subresource);
}
