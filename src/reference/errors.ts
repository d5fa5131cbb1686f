import { ReimageError } from '../util/errors';

/** An image reference that the docker/distribution grammar rejects. */
export class BadReferenceError extends ReimageError {
  override name = 'BadReferenceError';
  /** The input as given */
  readonly reference: string;
  /** What is wrong with it, without the reference itself */
  readonly reason: string;

  /** `subject` names what was parsed, for messages about a lone digest or tag */
  constructor(reference: string, reason: string, subject = 'image reference') {
    super(`invalid ${subject} ${JSON.stringify(reference)}: ${reason}`);
    this.reference = reference;
    this.reason = reason;
  }
}

/** A rename template that cannot be compiled or executed (raised by the Go template engine). */
import { TemplateError } from '../gocompat/template/errors';
export { TemplateError };

export function isBadReferenceError(e: unknown): e is BadReferenceError {
  return e instanceof Error && e.name === 'BadReferenceError';
}

export function isTemplateError(e: unknown): e is TemplateError {
  return e instanceof Error && e.name === 'TemplateError';
}
