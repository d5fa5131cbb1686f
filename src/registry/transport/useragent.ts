import { packageVersion } from '../../util/version';

/** The User-Agent every registry request carries (the wire layer, http.ts, sets it). */
export function defaultUserAgent(): string {
  return `reimage/${packageVersion()}`;
}
