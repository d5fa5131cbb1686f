import type { Mappings } from '../mappings/format';
import { parseReference } from '../reference';
import type { Remapper } from './remapper';
import { RemapError } from './remapper';

/** Static mappings: the target and digest come from a mappings file or image, looked up by the string as written. */
export function staticRemapper(mappings: Mappings): Remapper {
  return {
    name: 'static',
    async remap(h) {
      const key = h.latest.original;
      const entry = mappings[key];
      if (!entry) throw new RemapError(`no known static reference for ${key}`);
      h.add(parseReference(entry.tag));
      h.digest = entry.digest;
    },
  };
}
