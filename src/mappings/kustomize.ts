/**
 * -write-kustomize-images: the run's rewrites as a kustomize `images:` list, the one image-rewriting form Flux
 * (Kustomization.spec.images, HelmRelease post-renderers) and plain kustomize accept. Measured on kustomize
 * 4.5.4: `newTag` drops a digest the image had; `digest` alone drops its tag; `newTag` plus `digest` writes
 * name:tag@digest; `newName` alone keeps the tag and digest. Entries match by name only, so two originals
 * with one name and different results cannot be expressed, and are refused.
 */
import { ReimageError } from '../util/errors';
import { writeFileAtomic } from './file';

export interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

interface Written {
  name: string;
  tag: string | undefined;
  digest: string | undefined;
}

/** An image string split as written: no defaults, no normalisation (kustomize compares names literally). */
function split(image: string): Written {
  const at = image.indexOf('@');
  const rest = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? undefined : image.slice(at + 1);
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !rest.includes('/', colon)) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, tag: undefined, digest };
}

export class KustomizeImagesError extends ReimageError {
  override name = 'KustomizeImagesError';
}

/** One entry per rewritten name, sorted; unchanged images need none. */
export function kustomizeImages(rewrites: ReadonlyArray<{ original: string; final: string }>): KustomizeImage[] {
  const byName = new Map<string, { entry: KustomizeImage; original: string; final: string }>();
  for (const { original, final } of rewrites) {
    if (original === final) continue;
    const from = split(original);
    const to = split(final);
    if (to.tag === undefined && to.digest === undefined && (from.tag !== undefined || from.digest !== undefined)) {
      throw new KustomizeImagesError(`-write-kustomize-images: ${original} → ${final} drops the tag, which a kustomize images: entry cannot express`);
    }
    const entry: KustomizeImage = {
      name: from.name,
      ...(to.name !== from.name ? { newName: to.name } : {}),
      ...(to.tag !== undefined ? { newTag: to.tag } : {}),
      ...(to.digest !== undefined ? { digest: to.digest } : {}),
    };
    const seen = byName.get(from.name);
    if (seen && seen.final !== final) {
      throw new KustomizeImagesError(
        `-write-kustomize-images: ${seen.original} → ${seen.final} and ${original} → ${final} share the name ${from.name}; kustomize images: entries match by name only`,
      );
    }
    byName.set(from.name, { entry, original, final });
  }
  return [...byName.keys()].sort().map((k) => (byName.get(k) as { entry: KustomizeImage }).entry);
}

/** YAML with every value JSON-quoted, so tags like 1.20 stay strings. */
export function renderKustomizeImages(images: readonly KustomizeImage[]): string {
  const lines = ['# Written by reimage: a kustomize images: list (kustomization.yaml images:, Flux spec.images).'];
  if (images.length === 0) return `${lines[0]}\nimages: []\n`;
  lines.push('images:');
  for (const img of images) {
    lines.push(`- name: ${JSON.stringify(img.name)}`);
    for (const key of ['newName', 'newTag', 'digest'] as const) {
      const v = img[key];
      if (v !== undefined) lines.push(`  ${key}: ${JSON.stringify(v)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Atomic, as the mappings file. */
export function writeKustomizeImages(file: string, images: readonly KustomizeImage[]): Promise<void> {
  return writeFileAtomic('-write-kustomize-images', file, renderKustomizeImages(images), 0o644);
}
