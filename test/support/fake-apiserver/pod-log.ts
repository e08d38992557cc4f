/** `pods/log`: text from the pod's `fake.airlock.dev/log` annotation; `follow=true` keeps the stream open. */
import type { ServerResponse } from 'node:http';
import { badRequest } from './errors.js';
import { isRecord } from './json.js';
import type { KubeObject } from './objects.js';
import type { OpenStreams } from './open-streams.js';

export const LOG_ANNOTATION = 'fake.airlock.dev/log';

function containerNames(pod: KubeObject): string[] {
  const containers = isRecord(pod.spec) && Array.isArray(pod.spec.containers) ? pod.spec.containers : [];
  return containers.map((c) => (isRecord(c) && typeof c.name === 'string' ? c.name : ''));
}

/** The container a log or exec request addresses, validated as kube-apiserver does. */
export function resolveContainer(pod: KubeObject, requested: string | null): string {
  const names = containerNames(pod);
  const podName = pod.metadata.name ?? '';
  if (requested) {
    if (!names.includes(requested))
      throw badRequest(`container ${requested} is not valid for pod ${podName}`);
    return requested;
  }
  if (names.length !== 1) {
    throw badRequest(
      `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`,
    );
  }
  return names[0] ?? '';
}

export function podLogText(pod: KubeObject, container: string, tailLines: string | null): string {
  const text =
    pod.metadata.annotations?.[LOG_ANNOTATION] ??
    `fake log line from ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} container ${container}\n`;
  const lines = text.replace(/\n$/, '').split('\n');
  const keep =
    tailLines !== null && /^\d+$/.test(tailLines) ? Math.min(Number(tailLines), lines.length) : lines.length;
  const tail = lines.slice(lines.length - keep);
  return tail.length > 0 ? `${tail.join('\n')}\n` : '';
}

export function servePodLog(res: ServerResponse, streams: OpenStreams, text: string, follow: boolean): void {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.write(text);
  if (!follow) {
    res.end();
    return;
  }
  const untrack = streams.track(() => res.end());
  res.on('close', untrack);
}
