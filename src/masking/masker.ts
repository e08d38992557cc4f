import type { Transform } from 'node:stream';
import type { ClassifiedRequest } from '../kube/request-info.js';
import type { MaskingConfig } from './config.js';
import { createTextMasker, detectorHints } from './detectors.js';
import { createDocumentMasker } from './document.js';
import { compileRules, type MaskRule } from './field-rules.js';
import { exposesMaskedField } from './patch-reads.js';
import { MASKED_BASE64, MASKED_TEXT } from './placeholder.js';
import { createListMaskStream, type ListStreamOptions } from './list-stream.js';
import { NeedlePlans } from './literal-scan.js';
import { createMaskFreeCheck, type MaskFreeCheck } from './mask-free.js';
import { impliedKind, maskRequestBody, type RequestTarget } from './request-body.js';
import { maskRequestLine } from './request-line.js';
import { createTextStream, createWatchStream } from './streams.js';

export interface Masker {
  /** Masks one decoded JSON document of any shape the API returns: object, *List, Table (rows[].object and cells),
   *  WatchEvent, Status. Returns a new value; never mutates the input. */
  maskDocument(doc: unknown): unknown;
  /** Masks a request body whose kind the URL implies (patches and op lists carry none). */
  maskRequestBody(body: unknown, target: RequestTarget): unknown;
  /** Whether a JSON pointer (its segments) into an object of the target resource is a masked field or holds one,
   *  whatever the object's labels and namespace (a patch does not show them): what JSON-patch copy, move and test
   *  may not read. A resource whose kind Airlock does not know is checked against every rule. */
  exposesMaskedField(segments: readonly string[], target: RequestTarget): boolean;
  /** Detectors only: pod logs, error messages. */
  maskText(text: string): string;
  /** A request's query with detectors run on every name and value (an exec `command` may carry a token); the same
   *  object when nothing changes. For what is recorded: the request itself goes out as the agent sent it. */
  maskQuery(query: URLSearchParams): URLSearchParams;
  /** A request as recorded, logged and shown to reviewers: detectors run on its path, its named parts and its query
   *  (request-line.ts); the same object when nothing changes. */
  maskRequest(request: ClassifiedRequest): ClassifiedRequest;
  /** Newline-framed watch stream (compact JSON + \n; chunk boundaries are arbitrary): masks each event as it passes,
   *  holds at most one partial line, never buffers the stream. Lines that are not JSON are dropped. */
  createWatchStream(): Transform;
  /** Line-based text stream (pods/log), masked line by line as it streams. */
  createTextStream(): Transform;
  /** A large `*List` masked item by item as it streams (memory near one batch of items, not copies of the body). */
  createListStream(opts: ListStreamOptions): Transform;
  /** True when masking could not change this JSON text (mask-free.ts): it may be relayed as it is. */
  isMaskFree: MaskFreeCheck;
}

/** Fields that hold secrets by definition, whatever the configuration. */
const BUILT_IN_RULES: readonly MaskRule[] = [
  // `data` values stay valid base64 so typed clients still decode the object; keys stay visible.
  { kinds: ['Secret'], paths: ['data.*'], placeholder: MASKED_BASE64 },
  { kinds: ['Secret'], paths: ['stringData.*'], placeholder: MASKED_TEXT },
  // serviceaccounts/token answers with a TokenRequest; a TokenReview echoes the token it was asked about.
  { kinds: ['TokenRequest'], paths: ['status.token'], placeholder: MASKED_TEXT },
  { kinds: ['TokenReview'], paths: ['spec.token'], placeholder: MASKED_TEXT },
];

export function createMasker(config: MaskingConfig): Masker {
  const maskText = createTextMasker(config.detectors);
  const rules: MaskRule[] = [
    ...BUILT_IN_RULES,
    ...config.fieldRules.map((rule) => ({ ...rule, placeholder: MASKED_TEXT })),
  ];
  // The same rules without their namespace and label selectors, for checks that cannot see the object.
  const anyObjectRules = compileRules(
    rules.map(({ kinds, paths, placeholder }) => ({ kinds, paths, placeholder })),
  );
  const ruleKinds = [...new Set(rules.flatMap((rule) => rule.kinds))];
  const maskDocument = createDocumentMasker({
    rules: compileRules(rules),
    credentialEnvName: new RegExp(config.credentialEnvNames, 'i'),
    maskText,
  });
  const maskPemBlocks = config.detectors.includes('private-key');
  const isMaskFree = createMaskFreeCheck({
    ruleKinds: [...BUILT_IN_RULES, ...config.fieldRules].flatMap((rule) => rule.kinds),
    credentialEnvNames: config.credentialEnvNames,
    detectorHints: detectorHints(config.detectors),
  });
  const maskQuery = (query: URLSearchParams): URLSearchParams => {
    if (query.size === 0) return query;
    let changed = false;
    const masked = [...query].map(([name, value]) => {
      const pair: [string, string] = [maskText(name), maskText(value)];
      changed ||= pair[0] !== name || pair[1] !== value;
      return pair;
    });
    return changed ? new URLSearchParams(masked) : query;
  };
  return {
    maskDocument,
    maskRequestBody: (body, target) => maskRequestBody(body, target, maskDocument),
    exposesMaskedField: (segments, target) => {
      const kind = impliedKind(target);
      const plans = (kind ? [kind] : ruleKinds).flatMap((k) => anyObjectRules(k, undefined));
      return exposesMaskedField(segments, plans);
    },
    maskText,
    maskQuery,
    maskRequest: (request) => maskRequestLine(request, maskText, maskQuery),
    isMaskFree,
    createWatchStream: () => createWatchStream(maskDocument),
    createTextStream: () => createTextStream(maskText, maskPemBlocks),
    createListStream: (opts) => {
      const plans = new NeedlePlans(); // one list's batches look alike: rank the needles once
      return createListMaskStream(
        {
          // Items usually carry no kind: mask each as the sole item of a list of the same kind.
          maskItem: (item, list) =>
            (
              maskDocument({ kind: list.kind, apiVersion: list.apiVersion, items: [item] }) as {
                items: unknown[];
              }
            ).items[0],
          maskText,
          maskWhole: maskDocument,
          // Items carry no kind: the list's kind names theirs.
          isMaskFree: (items, list) =>
            typeof list.kind === 'string' &&
            list.kind.endsWith('List') &&
            isMaskFree(items, list.kind.slice(0, -4), plans),
        },
        opts,
      );
    },
  };
}
