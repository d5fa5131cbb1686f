import type { Result } from '../krm/results';
import type { Occurrence } from './occurrences';
import { resultAt } from './occurrences';

/** Error results for every place an image is used; with no places (mappings-only), one result naming the image. */
export function failureResults(image: string, occs: readonly Occurrence[], message: string): Result[] {
  const text = message.includes(image) ? message : `${image}: ${message}`;
  if (occs.length === 0) return [{ message: text, severity: 'error' }];
  return occs.map((o) => resultAt(o, 'error', text));
}
