/**
 * Request classification exactly as kube-apiserver performs it (reference kubernetes-api.md §1, §3.1). Anything the
 * API server could read differently from Airlock (percent-encoding, empty or dot segments, absolute-form targets) is
 * refused rather than normalised, and the forwarded path is rebuilt from the segments that were classified.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { requestBodyKind } from './content-negotiation.js';
import { headerTokens } from './headers.js';
import { requestInfo, type ClassifiedRequest, type DeleteOptions, type RequestInfo } from './request-info.js';
import { StatusError } from './status.js';

const CLUSTER_PREFIX = '/clusters/';
const CLUSTER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

// The sets below are requestinfo.go's, with the same names.
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const SPECIAL_VERBS_NO_SUBRESOURCES = new Set(['proxy']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const VERBS_WITH_SELECTORS = new Set(['list', 'watch', 'deletecollection']);
const VERB_OF_METHOD: Readonly<Record<string, string>> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

const QUERY_DRY_RUN_VERBS = new Set(['create', 'update', 'patch']);
/**
 * Subresources served by REST storage that honours `dryRun`. Connect subresources (exec, attach, portforward, proxy)
 * ignore it and act for real, so for them — and for anything unknown — a dry run is never assumed.
 */
const DRY_RUN_SUBRESOURCES = new Set([
  '',
  'status',
  'scale',
  'finalize',
  'approval',
  'eviction',
  'ephemeralcontainers',
  'resize',
]);

/** Go's strings.EqualFold(v, "false"): simple Unicode folding makes "ſ" (U+017F) equal to "s". */
const GO_FALSE = /^[fF][aA][lL][sSſ][eE]$/u;
const GO_INT64 = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

interface ParsedTarget {
  segments: string[];
  query: URLSearchParams;
}

function badRequest(message: string): StatusError {
  return new StatusError('BadRequest', message);
}

function refusedTarget(target: string, problem: string): StatusError {
  return badRequest(`request target ${JSON.stringify(target)} is not accepted: ${problem}`);
}

function ambiguousPath(path: string, problem: string): StatusError {
  return badRequest(`request path ${JSON.stringify(path)} is ambiguous: ${problem}`);
}

function hasControlCharacter(value: string): boolean {
  return [...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
}

function isPrintableAscii(value: string): boolean {
  return [...value].every((ch) => ch.charCodeAt(0) > 0x20 && ch.charCodeAt(0) < 0x7f);
}

/** Splits `/clusters/<name>/<rest>` (the proxy listener's routing) strictly; throws StatusError 400/404 on anything odd. */
/**
 * Splits `/clusters/<name>/<target>` into the cluster and the target to classify. Other paths go to `defaultCluster`
 * when there is one, so tools that drop the server URL's path (`kubectl get --raw`, `kubectl proxy`-style clients)
 * still reach it; the cluster prefix is never a Kubernetes path, so the two cannot be confused.
 */
export function splitClusterTarget(
  rawUrl: string,
  defaultCluster?: string,
): { cluster: string; target: string } {
  if (!rawUrl.startsWith('/')) {
    throw refusedTarget(rawUrl, 'send an origin-form path starting with "/"');
  }
  if (!rawUrl.startsWith(CLUSTER_PREFIX)) {
    if (defaultCluster !== undefined) return { cluster: defaultCluster, target: rawUrl };
    throw new StatusError(
      'NotFound',
      `nothing is served at ${JSON.stringify(rawUrl.split('?')[0])}: Airlock serves clusters under /clusters/<cluster>/ ` +
        '(and the default cluster also at the root when one is marked `default: true`); ' +
        'point the kubeconfig server at https://<airlock>/clusters/<cluster>',
    );
  }
  const rest = rawUrl.slice(CLUSTER_PREFIX.length);
  const end = rest.search(/[/?]/);
  const cluster = end < 0 ? rest : rest.slice(0, end);
  const remainder = end < 0 ? '' : rest.slice(end);
  if (!CLUSTER_NAME.test(cluster)) {
    throw badRequest(
      `cluster name ${JSON.stringify(cluster)} in the request path is not a valid cluster name`,
    );
  }
  return { cluster, target: remainder.startsWith('/') ? remainder : `/${remainder}` };
}

/** Validates a raw origin-form target and splits it into path segments (one trailing "/" trimmed) and query. */
function parseTarget(target: string): ParsedTarget {
  if (!target.startsWith('/')) {
    throw refusedTarget(target, 'send an origin-form path starting with "/"');
  }
  if (hasControlCharacter(target)) {
    throw refusedTarget(target, 'control characters are not allowed');
  }
  if (target.includes('#')) {
    throw refusedTarget(target, 'fragments ("#") are not allowed');
  }
  const queryStart = target.indexOf('?');
  const path = queryStart < 0 ? target : target.slice(0, queryStart);
  const rawQuery = queryStart < 0 ? '' : target.slice(queryStart + 1);

  if (path.includes('%'))
    throw ambiguousPath(path, 'percent-encoded bytes are not accepted in path segments');
  if (path.includes('\\')) throw ambiguousPath(path, 'backslashes are not accepted in the path');
  if (!isPrintableAscii(path))
    throw ambiguousPath(path, 'only printable ASCII characters are accepted in the path');
  if (path.startsWith('//')) throw ambiguousPath(path, 'the path must start with a single "/"');

  const trimmed = path.endsWith('/') ? path.slice(1, -1) : path.slice(1);
  const segments = trimmed === '' ? [] : trimmed.split('/');
  if (segments.includes('')) throw ambiguousPath(path, 'empty path segments are not accepted');
  if (segments.some((s) => s === '.' || s === '..')) {
    throw ambiguousPath(path, '"." and ".." path segments are not accepted');
  }
  return { segments, query: new URLSearchParams(rawQuery) };
}

/** Go's Convert_Slice_string_To_bool: only a missing value, "0" or case-insensitive "false" are false. */
function goBool(values: readonly string[]): boolean {
  const first = values[0];
  return first !== undefined && first !== '0' && !GO_FALSE.test(first);
}

/** strconv.ParseInt(v, 10, 64) succeeds. */
function isGoInt64(value: string): boolean {
  if (!GO_INT64.test(value)) return false;
  const n = BigInt(value);
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** apimachinery's path.IsValidPathSegmentName. */
function isValidPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

/** fields.splitTerms: commas split terms unless backslash-escaped. */
function splitFieldTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (escaped) escaped = false;
    else if (ch === '\\') escaped = true;
    else if (ch === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** fields.UnescapeValue; undefined on an invalid escape or an unescaped "," or "=". */
function unescapeFieldValue(value: string): string | undefined {
  let out = '';
  let escaped = false;
  for (const ch of value) {
    if (escaped) {
      if (ch !== '\\' && ch !== ',' && ch !== '=') return undefined;
      out += ch;
      escaped = false;
    } else if (ch === '\\') escaped = true;
    else if (ch === ',' || ch === '=') return undefined;
    else out += ch;
  }
  return escaped ? undefined : out;
}

/**
 * fields.ParseSelector followed by RequiresExactMatch("metadata.name"): undefined when the selector does not parse,
 * otherwise the exact name required ('' when none). Terms are sorted byte-wise first, as Go does.
 */
function fieldSelectorExactName(selector: string): string | undefined {
  const terms = splitFieldTerms(selector)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .filter((term) => term !== '');
  let name: string | undefined;
  for (const term of terms) {
    const match = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
    if (!match) return undefined;
    const [, field, op, rawValue = ''] = match;
    const value = unescapeFieldValue(rawValue);
    if (value === undefined) return undefined;
    if (name === undefined && field === 'metadata.name' && op !== '!=') name = value;
  }
  return name ?? '';
}

const LABEL_NAME = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const EXISTENCE_TERM = /^!?([A-Za-z0-9._/-]+)$/;
const EQUALITY_TERM = /^([A-Za-z0-9._/-]+)(?:==|!=|=)([A-Za-z0-9._-]*)$/;
/** Keywords the label lexer never reads as a key. */
const LABEL_KEYWORDS = new Set(['in', 'notin']);

/** validation.IsQualifiedName, as labels.Parse applies it to keys. */
function isLabelKey(key: string): boolean {
  if (LABEL_KEYWORDS.has(key)) return false;
  const pieces = key.split('/');
  const name = pieces.at(-1) ?? '';
  const prefix = pieces.length === 2 ? (pieces[0] ?? '') : undefined;
  if (pieces.length > 2 || name.length > 63 || !LABEL_NAME.test(name)) return false;
  return prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix));
}

/**
 * True when labels.Parse certainly accepts the selector: it is empty or a comma list of `k`, `!k`, `k=v`, `k==v`,
 * `k!=v` terms with valid keys and values. Richer syntax (set operators, spaces) returns false, which only ever
 * drops a field-selector name and so classifies more broadly (fails closed).
 */
function isSimpleLabelSelector(selector: string): boolean {
  if (selector === '') return true;
  return selector.split(',').every((term) => {
    const existence = EXISTENCE_TERM.exec(term);
    if (existence) return isLabelKey(existence[1] ?? '');
    const equality = EQUALITY_TERM.exec(term);
    const value = equality?.[2] ?? '';
    return (
      equality !== null &&
      isLabelKey(equality[1] ?? '') &&
      value.length <= 63 &&
      (value === '' || LABEL_NAME.test(value))
    );
  });
}

/**
 * The name a list/watch is scoped to by `fieldSelector=metadata.name=X`, but only when kube-apiserver's ListOptions
 * decoding succeeds: its failure path drops the name (requestinfo.go).
 */
function listScopedName(query: URLSearchParams): string {
  const decodes =
    ['limit', 'timeoutSeconds'].every((key) => {
      const value = query.get(key);
      return value === null || isGoInt64(value);
    }) && isSimpleLabelSelector(query.get('labelSelector') ?? '');
  const name = decodes ? fieldSelectorExactName(query.get('fieldSelector') ?? '') : undefined;
  return name !== undefined && isValidPathSegmentName(name) ? name : '';
}

/** kube-apiserver's NewRequestInfo, byte for byte, on an already-validated path + query. Pure. */
export function parseRequestInfo(
  method: string,
  segments: readonly string[],
  query: URLSearchParams,
): RequestInfo {
  const info = requestInfo({ isResourceRequest: false, verb: method.toLowerCase() });
  const [apiPrefix = '', ...afterPrefix] = segments;
  if (segments.length < 3 || (apiPrefix !== 'api' && apiPrefix !== 'apis')) return info;

  let parts = afterPrefix;
  let apiGroup = '';
  if (apiPrefix === 'apis') {
    // Only /api is groupless; /apis/{group}/{version} alone is discovery.
    if (parts.length < 3) return info;
    apiGroup = parts[0] ?? '';
    parts = parts.slice(1);
  }
  const apiVersion = parts[0] ?? '';
  parts = parts.slice(1);

  let verb: string;
  const verbViaPathPrefix = SPECIAL_VERBS.has(parts[0] ?? '');
  if (verbViaPathPrefix) {
    if (parts.length < 2) {
      throw badRequest(
        `unable to determine kind and namespace from request path ${JSON.stringify(`/${segments.join('/')}`)}`,
      );
    }
    verb = parts[0] ?? '';
    parts = parts.slice(1);
  } else {
    verb = VERB_OF_METHOD[method] ?? '';
  }

  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1] ?? '';
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] ?? '')) parts = parts.slice(2);
  }

  const resource = parts[0] ?? '';
  let name = parts[1] ?? '';
  const subresource = SPECIAL_VERBS_NO_SUBRESOURCES.has(verb) ? '' : (parts[2] ?? '');

  if (name === '' && verb === 'get') {
    verb = goBool(query.getAll('watch')) ? 'watch' : 'list';
    name = listScopedName(query);
  }
  if (name === '' && verb === 'delete') verb = 'deletecollection';

  const fieldSelector = query.get('fieldSelector');
  const labelSelector = query.get('labelSelector');
  const copySelectors = !verbViaPathPrefix && VERBS_WITH_SELECTORS.has(verb);
  return {
    ...info,
    isResourceRequest: true,
    verb,
    apiPrefix,
    apiGroup,
    apiVersion,
    namespace,
    resource,
    subresource,
    name,
    parts,
    ...(copySelectors && fieldSelector ? { fieldSelector } : {}),
    ...(copySelectors && labelSelector ? { labelSelector } : {}),
  };
}

/** Dry run iff there is at least one value and every one is exactly `All` (anything else is a 422 upstream). */
function isDryRun(values: readonly string[] | undefined): boolean {
  return values !== undefined && values.length > 0 && values.every((v) => v === 'All');
}

function invalidDeleteField(field: string, expected: string): StatusError {
  return badRequest(`DELETE body is not valid DeleteOptions: "${field}" must be ${expected}`);
}

/** One optional DeleteOptions field; JSON null counts as absent, as in Go. */
function optionalField<T>(
  body: Record<string, unknown>,
  field: string,
  expected: string,
  accept: (value: unknown) => value is T,
): T | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!accept(value)) throw invalidDeleteField(field, expected);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** DeleteOptions from a non-empty body, which kube-apiserver then reads instead of the query (handlers/delete.go). */
function deleteOptionsFromBody(body: Buffer, contentType: string | undefined): DeleteOptions {
  if (requestBodyKind(contentType) !== 'json') {
    throw new StatusError(
      'UnsupportedMediaType',
      `DELETE body of type ${JSON.stringify(contentType)} cannot be inspected: Airlock reads DeleteOptions only from ` +
        'JSON; send the body as application/json',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`DELETE body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(parsed)) throw badRequest('DELETE body must be a JSON object (DeleteOptions)');
  const kind = optionalField(parsed, 'kind', 'a string', isString);
  if (kind !== undefined && kind !== '' && kind !== 'DeleteOptions') {
    throw badRequest(`DELETE body must be DeleteOptions, not ${JSON.stringify(kind)}`);
  }
  const dryRun = optionalField(parsed, 'dryRun', 'a list of strings', isStringList);
  const propagationPolicy = optionalField(parsed, 'propagationPolicy', 'a string', isString);
  const gracePeriodSeconds = optionalField(parsed, 'gracePeriodSeconds', 'an integer', isInteger);
  const orphanDependents = optionalField(parsed, 'orphanDependents', 'a boolean', isBoolean);
  const rawPreconditions = optionalField(parsed, 'preconditions', 'an object', isObject);
  const preconditions =
    rawPreconditions &&
    withoutUndefined({
      uid: optionalField(rawPreconditions, 'uid', 'a string', isString),
      resourceVersion: optionalField(rawPreconditions, 'resourceVersion', 'a string', isString),
    });
  return withoutUndefined({ dryRun, propagationPolicy, gracePeriodSeconds, orphanDependents, preconditions });
}

/** DeleteOptions from the query, for bodiless DELETEs (the parameter codec's conversions). */
function deleteOptionsFromQuery(query: URLSearchParams): DeleteOptions {
  const grace = query.get('gracePeriodSeconds');
  if (grace !== null && !isGoInt64(grace)) {
    throw badRequest(`query parameter gracePeriodSeconds=${JSON.stringify(grace)} is not an integer`);
  }
  const dryRun = query.getAll('dryRun');
  return withoutUndefined({
    dryRun: dryRun.length > 0 ? dryRun : undefined,
    propagationPolicy: query.get('propagationPolicy') ?? undefined,
    gracePeriodSeconds: grace === null ? undefined : Number(grace),
    orphanDependents: query.has('orphanDependents') ? goBool(query.getAll('orphanDependents')) : undefined,
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function dryRunAndDeleteOptions(
  info: RequestInfo,
  query: URLSearchParams,
  contentType: string | undefined,
  body: Buffer | undefined,
): { dryRun: boolean; deleteOptions?: DeleteOptions } {
  if (!info.isResourceRequest || !DRY_RUN_SUBRESOURCES.has(info.subresource)) return { dryRun: false };
  if (info.verb === 'delete' || info.verb === 'deletecollection') {
    const deleteOptions =
      body !== undefined && body.length > 0
        ? deleteOptionsFromBody(body, contentType)
        : deleteOptionsFromQuery(query);
    return { dryRun: isDryRun(deleteOptions.dryRun), deleteOptions };
  }
  return { dryRun: QUERY_DRY_RUN_VERBS.has(info.verb) && isDryRun(query.getAll('dryRun')) };
}

/** Only the two protocols kube-apiserver itself allows through its upgrade proxy (kubernetes#72112). */
function upgradeKind(headers: IncomingHttpHeaders): ClassifiedRequest['upgrade'] {
  const protocol = (headers.upgrade ?? '').trim().toLowerCase();
  // Like Node's parser: an upgrade needs both `Connection: upgrade` and a non-empty Upgrade header.
  if (!headerTokens(headers.connection).includes('upgrade') || protocol === '') return undefined;
  if (protocol === 'websocket') return 'websocket';
  if (protocol === 'spdy/3.1') return 'spdy';
  throw badRequest(
    `connection upgrade to ${JSON.stringify(headers.upgrade)} is not supported: only websocket and SPDY/3.1 are proxied`,
  );
}

/** The whole classification: strict target validation, RequestInfo, dry run, DeleteOptions, upgrade kind. */
export function classifyRequest(input: {
  method: string;
  /** Raw request target, after the cluster prefix. */
  target: string;
  headers: IncomingHttpHeaders;
  body?: Buffer;
}): ClassifiedRequest {
  const { segments, query } = parseTarget(input.target);
  const info = parseRequestInfo(input.method, segments, query);
  const upgrade = upgradeKind(input.headers);
  const { dryRun, deleteOptions } = upgrade
    ? { dryRun: false }
    : dryRunAndDeleteOptions(info, query, input.headers['content-type'], input.body);
  return {
    method: input.method,
    path: `/${segments.join('/')}`,
    query,
    info,
    dryRun,
    ...(deleteOptions ? { deleteOptions } : {}),
    ...(upgrade ? { upgrade } : {}),
  };
}
