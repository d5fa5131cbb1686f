/** The seed's failure-message entries, byte for byte (mappings entries live in mappings/format). */
import { formatFloat32Fixed } from '../gocompat/fmt';

/** Go's %.Nf of a float32 score. */
export const goFormatFloat32 = formatFloat32Fixed;

/** `fmt.Sprintf("%s(%.2f)", cve, score)`: one entry of the seed's ImageCheckError, e.g. "CVE-2023-4911(7.80)". */
export function formatBadEntry(id: string, score: number): string {
  return `${id}(${formatFloat32Fixed(score, 2)})`;
}
