import type { AttestResult, AttestSettings } from '../attest/types';
import type { VulnSettings } from '../vuln/types';
import type { Result } from '../krm/results';
import type { Mappings } from '../mappings/format';
import { withDigest } from '../reference';
import type { Reference } from '../reference/types';
import type { Logger } from '../util/log';
import type { ImageState } from './state';
import { failureResults } from './failures';
import { pushAll } from '../util/arrays';

/** Digest-form final images, each with the states (originals) that map to it. */
function byFinalDigest(states: readonly ImageState[]): Map<string, { image: Reference; states: ImageState[] }> {
  const out = new Map<string, { image: Reference; states: ImageState[] }>();
  for (const s of states) {
    if (s.outcome.kind !== 'mapped') continue;
    const image = withDigest(s.outcome.target, s.outcome.digest);
    const entry = out.get(image.name);
    if (entry) entry.states.push(s);
    else out.set(image.name, { image, states: [s] });
  }
  return out;
}

function resultsFor(states: readonly ImageState[], message: string): Result[] {
  return states.flatMap((s) => failureResults(s.original, s.occurrences, message));
}

/** Vulnerability gate, once per distinct digest; records foundCVEs/ignoredCVEs in the mappings. Loaded only when enabled. */
export async function vulnStage(options: VulnSettings, states: readonly ImageState[], mappings: Mappings, log: Logger): Promise<Result[]> {
  if (options.vulncheckMaxCvss <= 0 && !options.vulncheckReport) return [];
  const vuln = require('../vuln') as typeof import('../vuln');
  const groups = byFinalDigest(states);
  const checked = await vuln.checkImages([...groups.values()].map((g) => g.image), options, log);
  const results: Result[] = [];
  for (const [name, { states: group }] of groups) {
    const r = checked.get(name);
    if (!r) continue;
    const problem = r.error ?? r.failure;
    if (problem) pushAll(results, resultsFor(group, problem));
    for (const s of group) {
      const entry = Object.hasOwn(mappings, s.original) ? mappings[s.original] : undefined;
      if (!entry) continue;
      if (r.found.length) entry.foundCVEs = r.found;
      if (r.ignored.length) entry.ignoredCVEs = r.ignored;
    }
  }
  if (options.vulncheckReport) {
    const rows = [...groups.entries()].map(([name, g]) => ({
      originals: g.states.map((s) => s.original),
      image: g.states[0]?.outcome.kind === 'mapped' ? g.states[0].outcome.final : name,
      digest: g.image.digest ?? '',
      result: checked.get(name),
    }));
    await vuln.writeReport(options.vulncheckReport, rows, { maxCvss: options.vulncheckMaxCvss, ignoredCves: options.vulncheckIgnoreCveList });
    log.info('wrote vulnerability report', { file: options.vulncheckReport });
  }
  return results;
}

/** The attestation stage in two steps: look (before any side effect), then create (once everything else passed). */
export interface AttestStage {
  /** Failures found while looking: the run fails before anything is written */
  results: Result[];
  create(): Promise<Result[]>;
  close(): Promise<void>;
}

/** BinAuthz attestations, once per distinct digest. Loaded only when an attestor is set. */
export async function planAttestStage(options: AttestSettings, states: readonly ImageState[], log: Logger): Promise<AttestStage> {
  if (!options.binauthzAttestor) return { results: [], create: async () => [], close: async () => undefined };
  const { planAttestations } = require('../attest') as typeof import('../attest');
  const groups = byFinalDigest(states);
  const plan = await planAttestations([...groups.values()].map((g) => g.image), options, log);
  const toResults = (outcomes: readonly AttestResult[]): Result[] => {
    const results: Result[] = [];
    for (const o of outcomes) {
      if (o.status !== 'failed') continue;
      const group = groups.get(o.image.name)?.states ?? [];
      pushAll(results, group.length ? resultsFor(group, o.error) : [{ message: o.error, severity: 'error' as const }]);
    }
    return results;
  };
  return {
    results: toResults(plan.checked),
    close: () => plan.close(),
    async create() {
      const outcomes = await plan.create();
      const count = (status: string): number => outcomes.filter((o) => o.status === status).length;
      log.info('attestations', { created: count('created'), existing: count('existing'), dryRun: count('dry-run') });
      return toResults(outcomes);
    },
  };
}
