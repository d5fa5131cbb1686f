/**
 * -verify-only: a read-only gate for GitOps. Nothing is rewritten, copied, written or attested. Every image field
 * must be pinned by digest, exist (one HEAD per distinct image), match the static mappings when given, match
 * -allowed-registries, pin the -platform manifest, pass the vulnerability gate and carry a verified attestation.
 * Each broken field gets one error result that names every rule it breaks.
 */
import type { GoRegexp } from '../gocompat/regexp';
import { hasErrors, renderResultsYaml } from '../krm/results';
import type { Result } from '../krm/results';
import { applyEdits } from '../manifest';
import type { Mappings } from '../mappings/format';
import { parseReference } from '../reference';
import type { Platform } from '../reference/platform';
import { formatPlatform } from '../reference/platform';
import type { Reference } from '../reference/types';
import { allowedProblem, pinnedForm } from '../remap';
import type { PinSettings, RemapContext } from '../remap';
import { mapLimit } from '../util/concurrency';
import { describeError } from '../util/errors';
import type { Logger } from '../util/log';
import { vulnStage } from './checks';
import type { VulnPrepared } from '../vuln/template-report';
import { failureResults } from './failures';
import type { ImageState } from './state';
import type { Input } from './input';
import type { RunSettings } from './settings';
import type { Occurrence } from './occurrences';
import { resultAt } from './occurrences';
import { pushAll } from '../util/arrays';

export interface VerifySettings {
  pin: PinSettings;
  allowed: { re: GoRegexp; source: string } | undefined;
  platform: Platform | undefined;
  concurrency: number;
}

/** What reimage writes for each static mapping, with the same pin settings: the only strings allowed. */
function expectedFromMappings(mappings: Mappings, pin: PinSettings): Set<string> {
  const out = new Set<string>();
  for (const entry of Object.values(mappings)) out.add(pinnedForm(parseReference(entry.tag), entry.digest, pin));
  return out;
}

/** The rules each distinct image breaks, by the string as written. Registry lookups are one per distinct image. */
export async function imageProblems(refs: readonly Reference[], staticMappings: Mappings | undefined, s: VerifySettings, ctx: RemapContext): Promise<Map<string, { problems: string[]; exists: boolean }>> {
  const expected = staticMappings ? expectedFromMappings(staticMappings, s.pin) : undefined;
  const problems = new Map<string, { problems: string[]; exists: boolean }>();
  await mapLimit(refs, s.concurrency, async (ref) => {
    const list: string[] = [];
    if (!ref.digest) list.push('not pinned by digest');
    if (s.allowed) {
      const p = allowedProblem(ref, s.allowed.re, s.allowed.source);
      if (p) list.push(p);
    }
    if (expected && !expected.has(ref.original)) {
      const entry = staticMappings && Object.hasOwn(staticMappings, ref.original) ? staticMappings[ref.original] : undefined;
      list.push(entry ? `not what reimage writes from the static mappings (${pinnedForm(parseReference(entry.tag), entry.digest, s.pin)})` : 'not an image reimage writes from the static mappings');
    }
    let exists = false;
    try {
      const digest = await ctx.registry().resolve(ref);
      exists = true;
      if (s.platform && ref.digest) {
        const want = await ctx.registry().resolvePlatform(ref, s.platform);
        if (want !== digest) list.push(`pins ${digest}, not the ${formatPlatform(s.platform)} manifest ${want}`);
      }
    } catch (e) {
      list.push(`does not exist or cannot be checked: ${describeError(e)}`);
    }
    problems.set(ref.original, { problems: list, exists });
  });
  return problems;
}

/** One error result per field: several broken rules for one field become one message. */
function onePerField(results: readonly Result[]): Result[] {
  const out: Result[] = [];
  const byField = new Map<string, Result>();
  for (const r of results) {
    if (r.severity !== 'error' || !r.field) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.resourceRef, r.field.path, r.file]);
    const seen = byField.get(key);
    if (seen) {
      seen.message = `${seen.message}; ${r.message}`;
    } else {
      const copy = { ...r };
      byField.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

/** Runs every check; returns error results (nothing else is done), or info results naming each verified field. */
export async function verifyStage(
  options: RunSettings,
  settings: VerifySettings,
  refs: readonly Reference[],
  groups: ReadonlyMap<string, Occurrence[]>,
  staticMappings: Mappings | undefined,
  ctx: RemapContext,
  log: Logger,
  vulnPrepared: VulnPrepared = {},
): Promise<Result[]> {
  const problems = await imageProblems(refs, staticMappings, settings, ctx);
  const results: Result[] = [];
  const states: ImageState[] = [];
  for (const ref of refs) {
    const occs = groups.get(ref.original) ?? [];
    const found = problems.get(ref.original) ?? { problems: [], exists: false };
    if (found.problems.length) pushAll(results, failureResults(ref.original, occs, found.problems.join('; ')));
    // Scans and attestation lookups need a digest that exists.
    if (ref.digest && found.exists) {
      states.push({ original: ref.original, occurrences: occs, outcome: { kind: 'mapped', target: ref, digest: ref.digest, final: ref.original } });
    }
  }
  pushAll(results, await vulnStage(options, states, {}, log, vulnPrepared));
  pushAll(results, await attestationsExist(options, states, log));
  if (hasErrors(results)) return onePerField(results);
  for (const s of states) for (const o of s.occurrences) results.push(resultAt(o, 'info', `image ${s.original} verified`, { currentValue: s.original }));
  log.info('verified', { images: refs.length, fields: results.length });
  return results;
}

/** -binauthz-attestor in verify mode: a verified attestation must already exist; none is created (a dry-run lookup never calls KMS). */
async function attestationsExist(options: RunSettings, states: readonly ImageState[], log: Logger): Promise<Result[]> {
  if (!options.binauthzAttestor || states.length === 0) return [];
  const { attestImages } = require('../attest') as typeof import('../attest');
  const byDigest = new Map<string, ImageState[]>();
  for (const s of states) {
    if (s.outcome.kind !== 'mapped') continue;
    const key = `${s.outcome.target.context}@${s.outcome.digest}`;
    byDigest.set(key, [...(byDigest.get(key) ?? []), s]);
  }
  const images = [...byDigest.keys()].map((k) => parseReference(k));
  const outcomes = await attestImages(images, { ...options, dryRun: true }, log);
  const results: Result[] = [];
  for (const o of outcomes) {
    if (o.status === 'existing') continue;
    const message = o.status === 'failed' ? o.error : `no verified attestation by ${options.binauthzAttestor}`;
    for (const s of byDigest.get(o.image.name) ?? []) pushAll(results, failureResults(s.original, s.occurrences, message));
  }
  return results;
}

/** Filter mode: the input exactly as read. KRM mode: the ResourceList with the verification results appended. */
export function verifiedOutput(input: Input, results: readonly Result[]): string {
  if (input.mode !== 'krm' || results.length === 0 || !input.list.node) return input.text;
  return applyEdits(input.text, [{ kind: 'append', mapping: input.list.node, key: 'results', block: renderResultsYaml(results) }]);
}
