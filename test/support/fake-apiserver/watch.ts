/**
 * Watch streams: chunked JSON lines (`{"type":…,"object":…}` + `\n`), replaying changes after the
 * requested resourceVersion (or the current objects as ADDED when it is absent or 0), then live changes.
 */
import type { ServerResponse } from 'node:http';
import type { ResourceType } from './catalog.js';
import { badRequest, expired } from './errors.js';
import type { KubeObject } from './objects.js';
import type { OpenStreams } from './open-streams.js';
import type { ObjectPredicate } from './selectors.js';
import type { Change, ChangeType, ObjectStore } from './store.js';

export interface WatchSpec {
  rt: ResourceType;
  namespace: string | undefined;
  predicate: ObjectPredicate;
  /** The `resourceVersion` query parameter. */
  resourceVersion: string | null;
  timeoutSeconds: number | undefined;
  /** Turns an event's object into what is sent (the object itself, or a one-row Table). */
  render: (object: KubeObject) => unknown;
}

interface WatchEvent {
  type: ChangeType | 'ERROR';
  object: unknown;
}

/**
 * What a watcher filtered by `selected` sees of a change: objects entering the selection are ADDED,
 * objects leaving it are DELETED, as with kube-apiserver's watch cache.
 */
function visibleChange(
  change: Change,
  selected: ObjectPredicate,
): { type: ChangeType; object: KubeObject } | undefined {
  const now = change.type !== 'DELETED' && selected(change.object);
  const before = change.previous !== undefined && selected(change.previous);
  if (change.type === 'DELETED') return before ? { type: 'DELETED', object: change.object } : undefined;
  if (now) return { type: before ? 'MODIFIED' : 'ADDED', object: change.object };
  return before ? { type: 'DELETED', object: change.object } : undefined;
}

function startRevision(resourceVersion: string | null): number | undefined {
  if (resourceVersion === null || resourceVersion === '' || resourceVersion === '0') return undefined;
  if (!/^\d+$/.test(resourceVersion)) throw badRequest(`invalid resource version: ${resourceVersion}`);
  return Number(resourceVersion);
}

export function serveWatch(
  res: ServerResponse,
  store: ObjectStore,
  streams: OpenStreams,
  spec: WatchSpec,
): void {
  const since = startRevision(spec.resourceVersion);
  const inScope = (change: Change) =>
    change.rt === spec.rt &&
    (spec.namespace === undefined || change.object.metadata.namespace === spec.namespace);
  const send = (event: WatchEvent) => res.write(`${JSON.stringify(event)}\n`);
  const emit = (change: Change) => {
    const visible = inScope(change) ? visibleChange(change, spec.predicate) : undefined;
    if (visible) send({ type: visible.type, object: spec.render(visible.object) });
  };

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  if (since === undefined) {
    for (const object of store.list(spec.rt, spec.namespace).filter(spec.predicate)) {
      send({ type: 'ADDED', object: spec.render(object) });
    }
  } else {
    const replay = store.changesSince(since);
    if (!replay) {
      const status = expired(`too old resource version: ${since} (${store.oldestRevision})`).toStatus();
      send({ type: 'ERROR', object: status });
      res.end();
      return;
    }
    replay.forEach(emit);
  }

  const unsubscribe = store.subscribe(emit);
  const finish = () => {
    unsubscribe();
    clearTimeout(timer);
    untrack();
    if (!res.writableEnded) res.end();
  };
  const timer =
    spec.timeoutSeconds !== undefined ? setTimeout(finish, spec.timeoutSeconds * 1000) : undefined;
  const untrack = streams.track(finish);
  res.on('close', finish);
}
