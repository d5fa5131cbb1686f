import { emptyMappings } from '../mappings/format';
import type { Mappings } from '../mappings/format';
import type { Reference } from '../reference/types';
import { settleLimit } from '../util/concurrency';
import { History } from './history';
import { pinnedForm } from './pin';
import type { RemapContext, Remapper } from './remapper';
import { originalDigest, RemapError, SKIP } from './remapper';

export type RemapOutcome =
  | { kind: 'skipped' }
  | { kind: 'mapped'; target: Reference; digest: string; /** the string to write in place of the original */ final: string }
  | { kind: 'failed'; error: unknown };

export interface RunChainOptions {
  /** -rename-force-digest: write target@digest instead of the target tag */
  forceDigest: boolean;
  /** -keep-tag: pins keep the name and tag as written */
  keepTag?: boolean;
  concurrency: number;
  /** Runs once every check has passed and before any copy; a throw stops the run with nothing copied */
  beforeEffects?: (outcomes: ReadonlyMap<string, RemapOutcome>) => void;
}

/**
 * Runs the chain once per distinct image, concurrently, in two phases: every step up to the first one with side
 * effects (lookups, renames, policy) for all images, then, only if none failed, the side effects (copies).
 */
export async function runChain(images: readonly Reference[], chain: readonly Remapper[], ctx: RemapContext, opts: RunChainOptions): Promise<Map<string, RemapOutcome>> {
  const cut = chain.findIndex((step) => step.effect);
  const checks = cut < 0 ? chain : chain.slice(0, cut);
  const effects = cut < 0 ? [] : chain.slice(cut);
  const pin = { forceDigest: opts.forceDigest, keepTag: opts.keepTag ?? false };
  const histories = new Map<string, History>();
  const settled = await settleLimit(images, opts.concurrency, async (image): Promise<RemapOutcome> => {
    const h = new History(image);
    for (const step of checks) {
      if ((await step.remap(h, ctx)) === SKIP) return { kind: 'skipped' };
    }
    const digest = await originalDigest(h, ctx);
    histories.set(image.original, h);
    return { kind: 'mapped', target: h.latest, digest, final: pinnedForm(h.latest, digest, pin) };
  });
  const outcomes = new Map<string, RemapOutcome>();
  settled.forEach((s, i) => outcomes.set((images[i] as Reference).original, s.ok ? s.value : { kind: 'failed', error: s.error }));
  rejectManyToOne(outcomes);
  if ([...outcomes.values()].some((o) => o.kind === 'failed')) return outcomes;
  opts.beforeEffects?.(outcomes);
  if (effects.length === 0) return outcomes;

  const mapped = [...outcomes].filter(([, o]) => o.kind === 'mapped').map(([original]) => original);
  const done = await settleLimit(mapped, opts.concurrency, async (original) => {
    const h = histories.get(original) as History;
    for (const step of effects) if ((await step.remap(h, ctx)) === SKIP) break;
  });
  done.forEach((d, i) => {
    if (!d.ok) outcomes.set(mapped[i] as string, { kind: 'failed', error: d.error });
  });
  return outcomes;
}

/** Two originals may share a target only if they are the same content; otherwise one would silently overwrite the other. */
function rejectManyToOne(outcomes: Map<string, RemapOutcome>): void {
  const byTarget = new Map<string, { original: string; digest: string }>();
  for (const [original, o] of outcomes) {
    if (o.kind !== 'mapped') continue;
    const seen = byTarget.get(o.target.name);
    if (!seen) {
      byTarget.set(o.target.name, { original, digest: o.digest });
    } else if (seen.digest !== o.digest) {
      const error = new RemapError(`remapping must be one to one: ${seen.original} (${seen.digest}) and ${original} (${o.digest}) both map to ${o.final}`);
      outcomes.set(original, { kind: 'failed', error });
      outcomes.set(seen.original, { kind: 'failed', error });
    }
  }
}

/** The Go tool's mappings: original as written → final name and digest. */
export function toMappings(outcomes: ReadonlyMap<string, RemapOutcome>): Mappings {
  const m = emptyMappings();
  for (const [original, o] of outcomes) {
    // The Go tool records the target name, not the forced digest form; the digest sits beside it.
    if (o.kind === 'mapped') m[original] = { tag: o.target.original, digest: o.digest };
  }
  return m;
}
