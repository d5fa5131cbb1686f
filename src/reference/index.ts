export type { Reference } from './types';
export type { ParseOptions } from './reference';
export type { DigestParts } from './digest';
export type { CompiledTemplate, RenameField, RenameTemplateData } from './template';

export {
  DEFAULT_REGISTRY,
  DEFAULT_TAG,
  parseReference,
  referenceFromParts,
  withDigest,
  withTag,
} from './reference';
export { digestProblem, isDigest, splitDigest } from './digest';
export { BadReferenceError, TemplateError, isBadReferenceError, isTemplateError } from './errors';
export { DEFAULT_RENAME_TEMPLATE, RENAME_FIELDS, compileTemplate } from './template';
