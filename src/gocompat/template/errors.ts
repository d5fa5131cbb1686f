import { ReimageError } from '../../util/errors';

/** A Go template that fails to parse or execute; the message is Go's text. */
export class TemplateError extends ReimageError {
  override name = 'TemplateError';
}
