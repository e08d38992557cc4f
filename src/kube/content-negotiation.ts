/**
 * Media types Airlock negotiates with the API server. Airlock must read every response it masks and every request body it
 * classifies, so binary encodings (protobuf, CBOR) are steered to JSON (reference kubernetes-api.md §4.3–4.4, §3.3).
 */

export type RequestBodyKind = 'json' | 'yaml' | 'protobuf' | 'cbor' | 'other';

interface MediaRange {
  /** Lower-cased `type/subtype`. */
  type: string;
  /** Parameters in their original order, names lower-cased. */
  params: { name: string; value: string }[];
}

/** Parameters that select a server-side representation (Table, PartialObjectMetadata, discovery) and must survive. */
const REPRESENTATION_PARAMS = new Set(['as', 'g', 'v']);

const BODY_KIND_OF: Record<string, RequestBodyKind> = {
  'application/json': 'json',
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'json',
  'application/strategic-merge-patch+json': 'json',
  'application/yaml': 'yaml',
  'application/apply-patch+yaml': 'yaml',
  'application/vnd.kubernetes.protobuf': 'protobuf',
  'application/cbor': 'cbor',
  'application/apply-patch+cbor': 'cbor',
  'application/cbor-seq': 'cbor',
};

/** Splits on `separator` outside double-quoted parameter values (which may contain it). */
function splitOutsideQuotes(value: string, separator: ',' | ';'): string[] {
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      pieces.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  pieces.push(current);
  return pieces;
}

function parseMediaRange(range: string): MediaRange {
  const [type = '', ...rawParams] = splitOutsideQuotes(range, ';').map((piece) => piece.trim());
  const params = rawParams
    .filter((piece) => piece !== '')
    .map((piece) => {
      const eq = piece.indexOf('=');
      return eq < 0
        ? { name: piece.toLowerCase(), value: '' }
        : { name: piece.slice(0, eq).trim().toLowerCase(), value: piece.slice(eq + 1).trim() };
    });
  return { type: type.toLowerCase(), params };
}

function formatMediaRange({ type, params }: MediaRange): string {
  return [type, ...params.map(({ name, value }) => (value === '' ? name : `${name}=${value}`))].join(';');
}

/** The bare media type of a Content-Type header, lower-cased, or '' when absent. */
function mediaTypeOf(contentType: string | undefined): string {
  return parseMediaRange(contentType ?? '').type;
}

function isBinaryOrYaml(type: string): boolean {
  const kind = BODY_KIND_OF[type];
  return kind === 'protobuf' || kind === 'cbor' || kind === 'yaml' || type.endsWith('+protobuf');
}

/** Rewrites one media range so the server answers with JSON Airlock can inspect. */
function toJsonRange(range: MediaRange): MediaRange {
  // `stream=watch` selects binary framing; JSON watch events are newline-delimited without it.
  const params = range.params.filter((p) => p.name !== 'stream');
  if (!isBinaryOrYaml(range.type)) return { type: range.type, params };
  return { type: 'application/json', params: params.filter((p) => REPRESENTATION_PARAMS.has(p.name)) };
}

/**
 * The Accept header to send upstream: protobuf, CBOR and YAML ranges become `application/json` (keeping the `as`/`g`/`v`
 * parameters that ask for Tables or metadata), `stream=watch` is dropped, other ranges (`*\/*`, `text/plain`) pass.
 */
export function toInspectableAccept(accept: string | undefined): string {
  const ranges = splitOutsideQuotes(accept ?? '', ',')
    .map((range) => range.trim())
    .filter((range) => range !== '')
    .map((range) => formatMediaRange(toJsonRange(parseMediaRange(range))));
  const unique = [...new Set(ranges)];
  return unique.length > 0 ? unique.join(',') : 'application/json';
}

/** True for `application/json` and any `+json` structured syntax (patch types), whatever the parameters or case. */
export function isJsonContentType(contentType: string | undefined): boolean {
  const type = mediaTypeOf(contentType);
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * How a request body is encoded. A missing Content-Type counts as JSON because that is what kube-apiserver assumes
 * (`NegotiateInputSerializer` falls back to the first supported type, application/json).
 */
export function requestBodyKind(contentType: string | undefined): RequestBodyKind {
  const type = mediaTypeOf(contentType);
  if (type === '') return 'json';
  return BODY_KIND_OF[type] ?? (type.endsWith('+protobuf') ? 'protobuf' : 'other');
}
