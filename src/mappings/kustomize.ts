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

/** What kustomize 4.5.4 writes for `image` under `entry` (measured; see the file comment). */
export function applyKustomizeImage(entry: KustomizeImage, image: string): string {
  const w = split(image);
  const name = entry.newName ?? w.name;
  if (entry.digest !== undefined) return `${name}${entry.newTag !== undefined ? `:${entry.newTag}` : ''}@${entry.digest}`;
  if (entry.newTag !== undefined) return `${name}:${entry.newTag}`;
  return `${name}${w.tag !== undefined ? `:${w.tag}` : ''}${w.digest !== undefined ? `@${w.digest}` : ''}`;
}

function entryFor(original: string, final: string): KustomizeImage {
  const from = split(original);
  const to = split(final);
  if (to.tag === undefined && to.digest === undefined && (from.tag !== undefined || from.digest !== undefined)) {
    throw new KustomizeImagesError(`-write-kustomize-images: ${original} → ${final} drops the tag, which a kustomize images: entry cannot express`);
  }
  return {
    name: from.name,
    ...(to.name !== from.name ? { newName: to.name } : {}),
    ...(to.tag !== undefined ? { newTag: to.tag } : {}),
    ...(to.digest !== undefined ? { digest: to.digest } : {}),
  };
}

/**
 * One entry per name that changes, sorted. Entries match by name only, so every image of that name, changed or
 * not, must come out of kustomize exactly as reimage wrote it; otherwise the list is refused.
 */
export function kustomizeImages(rewrites: ReadonlyArray<{ original: string; final: string }>): KustomizeImage[] {
  const byName = new Map<string, Array<{ original: string; final: string }>>();
  for (const r of rewrites) {
    const name = split(r.original).name;
    byName.set(name, [...(byName.get(name) ?? []), r]);
  }
  const out: KustomizeImage[] = [];
  for (const name of [...byName.keys()].sort()) {
    const group = byName.get(name) ?? [];
    const changed = group.find((r) => r.original !== r.final);
    if (!changed) continue;
    const entry = entryFor(changed.original, changed.final);
    const wrong = group.find((r) => applyKustomizeImage(entry, r.original) !== r.final);
    if (wrong) {
      throw new KustomizeImagesError(
        `-write-kustomize-images: ${changed.original} → ${changed.final} and ${wrong.original} → ${wrong.final} share the name ${name}, ` +
          'but kustomize images: entries match by name only',
      );
    }
    out.push(entry);
  }
  return out;
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
