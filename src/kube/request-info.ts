/**
 * RequestInfo as kube-apiserver computes it (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go).
 * The parser lives in `classify.ts`; this file is the shared vocabulary.
 */
export interface RequestInfo {
  isResourceRequest: boolean;
  /** Lower-case verb: get, list, watch, create, update, patch, delete, deletecollection, proxy — or the
   * lower-cased HTTP method for non-resource requests. */
  verb: string;
  /** 'api' | 'apis' for resource requests, '' otherwise. */
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after the namespace (resource/name/subresource/...). */
  parts: readonly string[];
  fieldSelector?: string;
  labelSelector?: string;
}

/** A RequestInfo with every field not given left empty (what a non-resource request looks like). */
export function requestInfo(
  fields: Partial<RequestInfo> & Pick<RequestInfo, 'isResourceRequest' | 'verb'>,
): RequestInfo {
  return {
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
    ...fields,
  };
}

export interface DeleteOptions {
  dryRun?: string[];
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  orphanDependents?: boolean;
}

/** A request as Airlock understands it: what was classified is exactly what is forwarded. */
export interface ClassifiedRequest {
  method: string;
  /** Canonical path rebuilt from the parsed segments (never the raw request target). */
  path: string;
  /** Query as received, parsed; re-serialised for the upstream request. */
  query: URLSearchParams;
  info: RequestInfo;
  /** True only when every dryRun value is exactly `All` (query for create/update/patch, body for DELETE). */
  dryRun: boolean;
  deleteOptions?: DeleteOptions;
  /** Set for connection upgrades (exec, attach, port-forward, websocket watch). */
  upgrade?: 'websocket' | 'spdy';
}
