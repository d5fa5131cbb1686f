import type { GoRegexp } from '../gocompat/regexp';
import { parseReference } from '../reference';
import type { CompiledTemplate } from '../reference/template';
import type { Remapper } from './remapper';
import { originalDigest, RemapError } from './remapper';

export interface RenameSettings {
  /** -rename-ignore: images matching are not renamed (they may still be pinned) */
  ignore: GoRegexp | undefined;
  remotePath: string;
  template: CompiledTemplate;
}

/** -rename-remote-path/-rename-template: a new name in the user's registry, computed from the original and its digest. */
export function renameRemapper(settings: RenameSettings): Remapper {
  return {
    name: 'rename',
    async remap(h, ctx) {
      const ref = h.latest;
      if (settings.ignore?.test(ref.original)) return;
      const digest = await originalDigest(h, ctx);
      const [algo = '', hex = ''] = digest.split(':', 2);
      const rendered = settings.template.execute({
        RemotePath: settings.remotePath,
        Registry: ref.registry,
        Repository: ref.repository,
        Digest: digest,
        DigestAlgo: algo,
        DigestHex: hex,
        // As in the Go tool, a reference that carries a digest has no tag to offer.
        Tag: ref.digest ? '' : (ref.tag ?? ''),
      });
      try {
        h.add(parseReference(rendered));
      } catch (e) {
        throw new RemapError(`rename template produced an invalid reference ${JSON.stringify(rendered)} for ${ref.original}`, { cause: e });
      }
    },
  };
}
