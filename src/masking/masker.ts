import type { Transform } from 'node:stream';
import type { MaskingConfig } from './config.js';
import { createTextMasker } from './detectors.js';
import { createDocumentMasker } from './document.js';
import { compileRules, type MaskRule } from './field-rules.js';
import { MASKED_BASE64, MASKED_TEXT } from './placeholder.js';
import { createListMaskStream } from './list-stream.js';
import { maskRequestBody, type RequestTarget } from './request-body.js';
import { createTextStream, createWatchStream } from './streams.js';

export interface Masker {
  /** Masks one decoded JSON document of any shape the API returns: object, *List, Table (rows[].object and cells),
   *  WatchEvent, Status. Returns a new value; never mutates the input. */
  maskDocument(doc: unknown): unknown;
  /** Masks a request body whose kind the URL implies (patches and op lists carry none). */
  maskRequestBody(body: unknown, target: RequestTarget): unknown;
  /** Detectors only: pod logs, error messages. */
  maskText(text: string): string;
  /** Newline-framed watch stream (compact JSON + \n; chunk boundaries are arbitrary): masks each event as it passes,
   *  holds at most one partial line, never buffers the stream. Lines that are not JSON are dropped. */
  createWatchStream(): Transform;
  /** Line-based text stream (pods/log), masked line by line as it streams. */
  createTextStream(): Transform;
  /** A large `*List` masked item by item as it streams (memory near one item, not several copies of the body). */
  createListStream(): Transform;
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
  const maskDocument = createDocumentMasker({
    rules: compileRules([
      ...BUILT_IN_RULES,
      ...config.fieldRules.map((rule) => ({ ...rule, placeholder: MASKED_TEXT })),
    ]),
    credentialEnvName: new RegExp(config.credentialEnvNames, 'i'),
    maskText,
  });
  const maskPemBlocks = config.detectors.includes('private-key');
  return {
    maskDocument,
    maskRequestBody: (body, target) => maskRequestBody(body, target, maskDocument, maskText),
    maskText,
    createWatchStream: () => createWatchStream(maskDocument),
    createTextStream: () => createTextStream(maskText, maskPemBlocks),
    createListStream: () =>
      createListMaskStream({
        // Items usually carry no kind: mask each as the sole item of a list of the same kind.
        maskItem: (item, list) =>
          (
            maskDocument({ kind: list.kind, apiVersion: list.apiVersion, items: [item] }) as {
              items: unknown[];
            }
          ).items[0],
        maskText,
        maskWhole: maskDocument,
      }),
  };
}
