import type { Reference } from '../reference/types';
import { ReimageError } from '../util/errors';

/**
 * The Go tool's `Registry.Repo(repo).Digest(d).String()`: registry/repository@digest with
 * any tag dropped. This is what the scanner is given, what Grafeas resource URLs use
 * (after "https://"), and what -vulncheck-ignore-images is matched against.
 */
export function digestName(image: Reference): string {
  if (!image.digest) throw new ReimageError(`image ${image.name} is not in digest form; cannot check vulnerabilities`);
  return `${image.context}@${image.digest}`;
}
