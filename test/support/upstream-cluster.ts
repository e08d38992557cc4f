import { loadClusters, type UpstreamCluster } from '../../src/kube/upstream.js';

/** One upstream cluster from a kubeconfig file, loaded as `airlock serve` loads it (no impersonation). */
export async function loadTestCluster(
  name: string,
  kubeconfig: string,
  context?: string,
): Promise<UpstreamCluster> {
  const [cluster] = await loadClusters(
    [
      {
        name,
        kubeconfig,
        inCluster: false,
        impersonate: false,
        default: false,
        ...(context ? { context } : {}),
      },
    ],
    {},
  );
  if (!cluster) throw new Error(`no cluster loaded from ${kubeconfig}`);
  return cluster;
}
