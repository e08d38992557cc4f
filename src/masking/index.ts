export { MASKED_BASE64, MASKED_TEXT } from './placeholder.js';
export {
  defaultMaskingConfig,
  DEFAULT_CREDENTIAL_ENV_NAMES,
  type FieldRule,
  type MaskingConfig,
} from './config.js';
export { DETECTOR_NAMES, type DetectorName } from './detectors.js';
export { createMasker, type Masker } from './masker.js';
export { LineTooLongError } from './line-stream.js';
export { assertNoMaskedReads } from './patch-reads.js';
export { assertNoMaskedValues } from './write-guard.js';
