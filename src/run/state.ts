import type { RemapOutcome } from '../remap';
import type { Occurrence } from './occurrences';

/** One image as the pipeline sees it: where it is used and what became of it. */
export interface ImageState {
  original: string;
  occurrences: Occurrence[];
  outcome: RemapOutcome;
}
