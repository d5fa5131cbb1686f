import type { GoRegexp } from '../gocompat/regexp';
import type { Remapper } from './remapper';
import { SKIP } from './remapper';

/** -ignore: matching images are left as written, unchecked and unrecorded. Matches the string as written or its normalised name. */
export function ignoreRemapper(ignore: GoRegexp): Remapper {
  return {
    name: 'ignore',
    async remap(h) {
      const ref = h.latest;
      if (ignore.test(ref.original) || ignore.test(ref.name)) return SKIP;
    },
  };
}
