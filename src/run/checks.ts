import type { AttestResult, AttestSettings } from '../attest/types';
import type { VulnSettings } from '../vuln/types';
import type { Result } from '../krm/results';
import { checkWritable, writeFileAtomic } from '../mappings/file';
import type { Mappings } from '../mappings/format';
import { withDigest } from '../reference';
import type { Reference } from '../reference/types';
import type { Logger } from '../util/log';
import type { ImageState } from './state';
import { failureResults } from './failures';
import { pushAll } from '../util/arrays';
import type { VulnPrepared } from '../vuln/template-report';

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

/** Whether the vulnerability stage has anything to do: a limit, or a report asked for. */
export function vulnWanted(o: VulnSettings): boolean {
  return o.vulncheckMaxCvss > 0 || o.vulncheckMaxRisk > 0 || o.vulncheckReport !== '' || o.vulncheckReportTemplate !== '';
}

/** Reads and parses -vulncheck-report-template before anything else runs (Go parses it at setup). */
export async function prepareVulnStage(o: VulnSettings): Promise<VulnPrepared> {
  if (o.vulncheckReport) await checkWritable('-vulncheck-report', o.vulncheckReport);
  if (!o.vulncheckReportTemplate) return {};
  await checkWritable('-vulncheck-report-output', o.vulncheckReportOutput);
  const { loadReportTemplate } = require('../vuln/template-report') as typeof import('../vuln/template-report');
  return { template: await loadReportTemplate(o.vulncheckReportTemplate) };
}

/**
 * Vulnerability gate, once per distinct digest; records each image's result in its mappings entries and
 * writes the reports (also when the gate fails: they explain why). Loaded only when enabled.
 */
export async function vulnStage(options: VulnSettings, states: readonly ImageState[], mappings: Mappings, log: Logger, prepared: VulnPrepared = {}): Promise<Result[]> {
  if (!vulnWanted(options)) return [];
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
      if (entry) entry.vulncheck = vuln.toVulncheckRecord(r);
    }
  }
  // Upstream's log: one line per unacceptable CVE, with the originals that carry it.
  for (const [id, r] of vuln.rejections(mappings)) {
    log.error('Unacceptable vulnerability', { cve: id, cvss: vuln.goFormatFloat32(r.cve.score, 1), risk: vuln.goFormatFloat32(r.cve.risk, 1), images: r.images.join(',') });
  }
  const unused = vuln.unusedIgnores(options.vulncheckIgnoreCveList, checked.values());
  if (unused.length) log.info('some of the CVE ignores were not relevant to any image', { cves: unused.join(', ') });
  if (options.vulncheckReport) {
    const rows = [...groups.entries()].map(([name, g]) => ({
      originals: g.states.map((s) => s.original),
      image: g.states[0]?.outcome.kind === 'mapped' ? g.states[0].outcome.final : name,
      digest: g.image.digest ?? '',
      result: checked.get(name),
    }));
    const meta = { maxCvss: options.vulncheckMaxCvss, maxRisk: options.vulncheckMaxRisk, ignoredCves: options.vulncheckIgnoreCveList, unusedIgnores: unused };
    await writeFileAtomic('-vulncheck-report', options.vulncheckReport, vuln.renderReport(options.vulncheckReport, rows, meta), 0o644);
    log.info('wrote vulnerability report', { file: options.vulncheckReport });
  }
  if (prepared.template) {
    const { templateReportText } = require('../vuln/template-report') as typeof import('../vuln/template-report');
    const text = templateReportText(prepared.template, mappings, checked, unused, log);
    if (text !== undefined) {
      await writeFileAtomic('-vulncheck-report-output', options.vulncheckReportOutput, text, 0o644);
      log.info('wrote vulncheck report', { file: options.vulncheckReportOutput, template: prepared.template.name });
    }
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
