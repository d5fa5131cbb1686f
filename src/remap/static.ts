import type { Mappings } from '../mappings/format';
import { parseReference } from '../reference';
import type { Remapper } from './remapper';
import { RemapError } from './remapper';

/**
 * Static mappings: the target and digest come from a mappings file or image, looked up by the string as written.
 * `source` names the file or image in the error for a missing entry.
 */
export function staticRemapper(mappings: Mappings, source = 'the static mappings'): Remapper {
  // A Map, so an image named `constructor` or `toString` finds nothing on Object.prototype.
  const table = new Map(Object.entries(mappings));
  return {
    name: 'static',
    async remap(h) {
      const key = h.latest.original;
      const entry = table.get(key);
      if (!entry) {
        throw new RemapError(
          `no known static reference for ${key} in ${source}: mappings written by the Go reimage lack images this port also finds ` +
            '(ephemeral containers, image volumes, Lists, Knative, Argo); regenerate the mappings with this reimage (-write-json-mappings-file), or skip the image with -ignore',
        );
      }
      h.add(parseReference(entry.tag));
      h.digest = entry.digest;
    },
  };
}
