/**
 * The identity of a request for review purposes: two requests with the same fingerprint do the same thing,
 * so an approval given to one may release the other, and any change in what would be sent makes a new review.
 */
import { createHash } from 'node:crypto';

export interface FingerprintInput {
  method: string;
  /** The canonical path rebuilt from the parsed segments. */
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: Buffer;
}

/**
 * SHA-256 (hex) over method, path, query (sorted by name; repeated values keep their order), normalised content
 * type and canonical body.
 */
export function requestFingerprint(r: FingerprintInput): string {
  const mediaType = normaliseContentType(r.contentType);
  const fields = [
    r.method.toUpperCase(),
    r.path,
    sortedQuery(r.query),
    mediaType,
    canonicalBody(mediaType, r.body),
  ];
  const hash = createHash('sha256');
  // Length prefixes keep field boundaries unambiguous ("a" + "bc" never hashes like "ab" + "c").
  for (const field of fields) hash.update(`${Buffer.byteLength(field)}:`).update(field);
  return hash.digest('hex');
}

/**
 * Parameter order between names carries no meaning, but the order of one name's values does (`command` of an
 * exec, the first `propagationPolicy` wins): the sort is by name only, and stable.
 */
function sortedQuery(query: URLSearchParams): string {
  const entries = [...query.entries()].sort(([a], [b]) => compare(a, b));
  return new URLSearchParams(entries).toString();
}

/** `Application/JSON; Charset="UTF-8"` → `application/json;charset=utf-8`; parameters sorted by name. */
export function normaliseContentType(contentType: string): string {
  const [type = '', ...params] = contentType.split(';');
  const normalisedParams = params
    .map((p) => {
      const eq = p.indexOf('=');
      const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
      const rawValue =
        eq < 0
          ? ''
          : p
              .slice(eq + 1)
              .trim()
              .replace(/^"(.*)"$/, '$1');
      // Charset names are case-insensitive (RFC 2046); other parameter values are kept as sent.
      return `${name}=${name === 'charset' ? rawValue.toLowerCase() : rawValue}`;
    })
    .filter((p) => p !== '=')
    .sort(compare);
  return [type.trim().toLowerCase(), ...normalisedParams].join(';');
}

const JSON_MEDIA_TYPE = /^application\/(json|[\w.+-]+\+json|apply-patch\+yaml)$/;

function canonicalBody(mediaType: string, body: Buffer): string {
  const type = mediaType.split(';')[0] ?? '';
  if (JSON_MEDIA_TYPE.test(type)) {
    const canonical = canonicalJson(body.toString('utf8'));
    if (canonical !== undefined) return `json:${canonical}`;
  }
  return `bytes:${body.toString('base64')}`;
}

class NotCanonicalisable extends Error {}

/**
 * Canonical JSON text: object keys sorted, insignificant whitespace dropped, strings re-escaped, numbers kept
 * verbatim (JSON.parse would round big integers, making different requests look alike). Returns undefined for
 * invalid JSON and for duplicate keys, which Go's decoder and JavaScript read differently: such bodies are
 * fingerprinted byte for byte instead.
 */
export function canonicalJson(text: string): string | undefined {
  let pos = 0;
  const fail = (): never => {
    throw new NotCanonicalisable();
  };
  const skipWhitespace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text.charAt(pos))) pos++;
  };
  const expect = (char: string): void => {
    if (text.charAt(pos) !== char) fail();
    pos++;
  };
  const readString = (): string => {
    const start = pos;
    expect('"');
    while (pos < text.length && text.charAt(pos) !== '"') pos += text.charAt(pos) === '\\' ? 2 : 1;
    expect('"');
    // JSON.parse validates escapes and control characters and decodes the literal.
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const readValue = (): string => {
    skipWhitespace();
    const char = text.charAt(pos);
    if (char === '{') {
      pos++;
      const members = new Map<string, string>();
      skipWhitespace();
      if (text.charAt(pos) === '}') pos++;
      else {
        for (;;) {
          skipWhitespace();
          const key = readString();
          if (members.has(key)) fail();
          skipWhitespace();
          expect(':');
          members.set(key, readValue());
          skipWhitespace();
          if (text.charAt(pos) === ',') pos++;
          else break;
        }
        expect('}');
      }
      const sorted = [...members.entries()].sort(([a], [b]) => compare(a, b));
      return `{${sorted.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
    }
    if (char === '[') {
      pos++;
      const items: string[] = [];
      skipWhitespace();
      if (text.charAt(pos) === ']') pos++;
      else {
        for (;;) {
          items.push(readValue());
          skipWhitespace();
          if (text.charAt(pos) === ',') pos++;
          else break;
        }
        expect(']');
      }
      return `[${items.join(',')}]`;
    }
    if (char === '"') return JSON.stringify(readString());
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, pos)) {
        pos += literal.length;
        return literal;
      }
    }
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(text);
    if (!number) return fail();
    pos += number[0].length;
    return number[0];
  };
  try {
    const canonical = readValue();
    skipWhitespace();
    return pos === text.length ? canonical : undefined;
  } catch (e) {
    // SyntaxError from JSON.parse and RangeError from absurd nesting are "not canonicalisable" too.
    if (e instanceof NotCanonicalisable || e instanceof SyntaxError || e instanceof RangeError)
      return undefined;
    throw e;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
