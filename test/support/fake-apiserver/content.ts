/** Content negotiation: request body decoding by Content-Type, and Table output by Accept. */
import { parse as parseYaml } from 'yaml';
import { StatusError } from '../../../src/kube/status.js';
import { badRequest, unsupportedMediaType } from './errors.js';
import type { PatchType } from './patch.js';
import { decodeKubernetesProtobuf, UnsupportedKindError } from './protobuf/decode.js';
import { ProtobufError } from './protobuf/wire.js';
import type { IncludeObject, TableVersion } from './table.js';

/** `application/json; charset=utf-8` → `application/json`. */
export const mediaTypeOf = (header: string | undefined): string =>
  (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

const OBJECT_MEDIA_TYPES = ['application/json', 'application/yaml'] as const;
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const PATCH_MEDIA_TYPES: Readonly<Record<string, PatchType>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = PATCH_MEDIA_TYPES[mediaTypeOf(contentType)];
  if (!type) throw unsupportedMediaType(mediaTypeOf(contentType), Object.keys(PATCH_MEDIA_TYPES));
  return type;
}

/**
 * Decodes a JSON, YAML or protobuf body (kubectl's `create <generator>`, `expose` and `auth can-i` send protobuf;
 * its bytes arrive as a latin1 string, see readBody). CBOR is refused with 415.
 */
export function decodeObjectBody(body: string, contentType: string | undefined): unknown {
  const type = mediaTypeOf(contentType);
  if (type === PROTOBUF) return decodeProtobufBody(Buffer.from(body, 'latin1'));
  if (type !== '' && !OBJECT_MEDIA_TYPES.some((t) => t === type)) {
    throw unsupportedMediaType(type, [...OBJECT_MEDIA_TYPES, PROTOBUF]);
  }
  return parseDocument(body, type === 'application/yaml');
}

/** The object a protobuf body holds; 415 for a kind without a schema, 400 for bytes that are not protobuf. */
function decodeProtobufBody(body: Buffer): unknown {
  try {
    return decodeKubernetesProtobuf(body);
  } catch (err) {
    if (err instanceof UnsupportedKindError) throw new StatusError('UnsupportedMediaType', err.message);
    if (err instanceof ProtobufError)
      throw badRequest(`error decoding protobuf request body: ${err.message}`);
    throw err;
  }
}

export function decodePatchBody(body: string, type: PatchType): unknown {
  return parseDocument(body, type === 'apply');
}

function parseDocument(body: string, yaml: boolean): unknown {
  try {
    return yaml ? parseYaml(body) : JSON.parse(body);
  } catch (err) {
    throw badRequest(`error decoding request body: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Which Table version the Accept header asks for first, or undefined for a plain object. */
export function tableVersionOf(accept: string | undefined): TableVersion | undefined {
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim());
    const param = (name: string) => params.find((p) => p.startsWith(`${name}=`))?.slice(name.length + 1);
    if (type === 'application/json' && param('as') === 'Table' && param('g') === 'meta.k8s.io') {
      const version = param('v');
      if (version === 'v1' || version === 'v1beta1') return version;
      continue;
    }
    if (['application/json', 'application/*', '*/*'].includes(type) && param('as') === undefined)
      return undefined;
  }
  return undefined;
}

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

/** Go's bool query parsing: present and neither `0` nor `false` means true. */
/** A boolean query parameter parsed as kube-apiserver does (Go's strconv.ParseBool); anything else is a 400. */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null) return false;
  if (/^(1|t|T|TRUE|true|True)$/.test(value)) return true;
  if (/^(0|f|F|FALSE|false|False)$/.test(value)) return false;
  throw badRequest(`invalid value for ${name}: strconv.ParseBool: parsing "${value}": invalid syntax`);
}
