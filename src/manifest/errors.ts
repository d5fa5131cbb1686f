import { UsageError } from '../util/errors';

/** The input YAML is malformed, or an edit cannot be made; the message is one line naming where. */
export class ManifestError extends UsageError {
  override name = 'ManifestError';
}
