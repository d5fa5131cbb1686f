/**
 * -vulncheck-report-template / -vulncheck-report-output: upstream's report. The template is a Go
 * text/template with sprig's functions, parsed at startup and named after the file's base name (Go's
 * ParseFiles). It receives upstream's reimage.VulnCheckReportData, with Go's types:
 *   .Mappings      map[string]QualifiedImage{Tag, Digest, VulnCheckResult{Ignored, Accepted []CVE; Rejected []RejectedCVE}}
 *   .Rejections    map[string]VulnCheckReportDataRejection: CVE id → {ID, CVSS, Risk, Desc, Reason, Images}
 *   .UnusedIgnores []string: ignore-list CVEs that matched nothing (nil when none)
 * CVE = {ID string, CVSS float32, Risk float32, Desc string}; RejectedCVE adds Reason. Go embeds CVE in
 * RejectedCVE (and that in the rejection); here the embedded fields are promoted in place, so `.ID` and
 * toJson read as in Go, but `.CVE` / `.RejectedCVE` are not fields.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { compareGoStrings, sortedById } from '../gocompat/fmt';
import type { GoTemplate } from '../gocompat/template';
import type { GoType, Value as GoValue } from '../gocompat/template/value';
import { ReimageError, UsageError } from '../util/errors';
import type { Logger } from '../util/log';
import type { VulnCheckResult, Vulnerability } from './types';

export interface ReportTemplate {
  /** The template's name: the file's base name */
  name: string;
  file: string;
  template: GoTemplate;
}

/** What prepareVulnStage hands the stage: work done before any side effect. */
export interface VulnPrepared {
  template?: ReportTemplate;
}

/** The mappings entries as the stage records them (structurally mappings/format's QualifiedImage). */
export interface ReportMapping {
  tag: string;
  digest: string;
  vulncheck?: { ignored: readonly Vulnerability[]; accepted: readonly Vulnerability[]; rejected: ReadonlyArray<Vulnerability & { reason?: string }> };
}

/** Reads and parses the template; a missing file or a parse error is a UsageError naming the flag. */
export async function loadReportTemplate(file: string): Promise<ReportTemplate> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`-vulncheck-report-template ${JSON.stringify(file)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const { parseTemplate } = require('../gocompat/template') as typeof import('../gocompat/template');
  const name = basename(file);
  try {
    return { name, file, template: parseTemplate(name, text, { funcs: 'sprig' }) };
  } catch (e) {
    throw new UsageError(`failed parsing vulncheck report template, ${(e as Error).message}`);
  }
}

/** Rejections keyed by CVE id: the CVE as first seen (mappings in key order) and the sorted original images. */
export function rejections(mappings: Readonly<Record<string, ReportMapping>>): Map<string, { cve: Vulnerability & { reason?: string }; images: string[] }> {
  const out = new Map<string, { cve: Vulnerability & { reason?: string }; images: string[] }>();
  for (const name of Object.keys(mappings).sort()) {
    for (const cve of mappings[name]?.vulncheck?.rejected ?? []) {
      const r = out.get(cve.id);
      if (r) r.images.push(name);
      else out.set(cve.id, { cve, images: [name] });
    }
  }
  for (const r of out.values()) r.images = [...new Set(r.images)].filter((s) => s !== '').sort();
  return new Map([...out].sort(([a], [b]) => compareGoStrings(a, b)));
}

/** Builds reimage.VulnCheckReportData as typed template values. */
export function reportData(mappings: Readonly<Record<string, ReportMapping>>, unused: readonly string[]): GoValue {
  const v = require('../gocompat/template/value') as typeof import('../gocompat/template/value');
  const { T, Value, sliceOf, goString, goMap } = v;
  const struct = (t: GoType, vals: Array<[string, GoValue]>): GoValue => new Value(t, new Map(vals));
  const structType = (name: string, fields: Array<[string, GoType, string?]>): GoType => ({
    kind: 'struct',
    name,
    fields: fields.map(([n, type, json]) => ({ name: n, type, ...(json ? { json } : {}) })),
  });
  const cveFields: Array<[string, GoType]> = [
    ['ID', T.string],
    ['CVSS', T.float32],
    ['Risk', T.float32],
    ['Desc', T.string],
  ];
  const CVE = structType('reimage.CVE', cveFields);
  const REJECTED = structType('reimage.RejectedCVE', [...cveFields, ['Reason', T.string]]);
  const RESULT = structType('reimage.VulnCheckResult', [
    ['Ignored', sliceOf(CVE)],
    ['Accepted', sliceOf(CVE)],
    ['Rejected', sliceOf(REJECTED)],
  ]);
  // QualifiedImage's fields carry json tags (tag, digest, vulncheckResult), so toJson prints the mappings file's keys.
  const QUALIFIED = structType('reimage.QualifiedImage', [
    ['Tag', T.string, 'tag'],
    ['Digest', T.string, 'digest'],
    ['VulnCheckResult', RESULT, 'vulncheckResult'],
  ]);
  const REJECTION = structType('reimage.VulnCheckReportDataRejection', [...cveFields, ['Reason', T.string], ['Images', sliceOf(T.string)]]);
  const DATA = structType('reimage.VulnCheckReportData', [
    ['Mappings', v.mapOf(T.string, QUALIFIED)],
    ['Rejections', v.mapOf(T.string, REJECTION)],
    ['UnusedIgnores', sliceOf(T.string)],
  ]);

  const cveVals = (c: Vulnerability): Array<[string, GoValue]> => [
    ['ID', goString(c.id)],
    ['CVSS', new Value(T.float32, Math.fround(c.score))],
    ['Risk', new Value(T.float32, Math.fround(c.risk))],
    ['Desc', goString(c.description)],
  ];
  // Go's nil slice for an empty list: `{{ if }}` is false, toJson prints null, as upstream.
  const slice = (elem: GoType, items: GoValue[]): GoValue => new Value(sliceOf(elem), items.length ? items : null);
  const qualified = (m: ReportMapping): GoValue => {
    const r = m.vulncheck;
    const result = struct(RESULT, [
      // Upstream's lists come sorted by id.
      ['Ignored', slice(CVE, sortedById(r?.ignored ?? []).map((c) => struct(CVE, cveVals(c))))],
      ['Accepted', slice(CVE, sortedById(r?.accepted ?? []).map((c) => struct(CVE, cveVals(c))))],
      ['Rejected', slice(REJECTED, sortedById(r?.rejected ?? []).map((c) => struct(REJECTED, [...cveVals(c), ['Reason', goString(c.reason ?? '')]])))],
    ]);
    return struct(QUALIFIED, [
      ['Tag', goString(m.tag)],
      ['Digest', goString(m.digest)],
      ['VulnCheckResult', result],
    ]);
  };
  const mapEntries = Object.keys(mappings).map((k): [GoValue, GoValue] => [goString(k), qualified(mappings[k] as ReportMapping)]);
  const rejEntries = [...rejections(mappings)].map(([id, r]): [GoValue, GoValue] => [
    goString(id),
    struct(REJECTION, [...cveVals(r.cve), ['Reason', goString(r.cve.reason ?? '')], ['Images', slice(T.string, r.images.map(goString))]]),
  ]);
  return struct(DATA, [
    ['Mappings', goMap(T.string, QUALIFIED, mapEntries)],
    ['Rejections', goMap(T.string, REJECTION, rejEntries)],
    ['UnusedIgnores', slice(T.string, unused.map(goString))],
  ]);
}

/** Renders the template with the stage's results. */
export function renderTemplateReport(t: ReportTemplate, mappings: Readonly<Record<string, ReportMapping>>, unused: readonly string[]): string {
  try {
    return t.template.execute(reportData(mappings, unused));
  } catch (e) {
    throw new ReimageError(`failed to render vulncheck report (-vulncheck-report-template ${t.file}): ${(e as Error).message}`);
  }
}

/**
 * Upstream's report text, or undefined when it must not be written: as upstream, it is not rendered when an
 * image could not be checked (its mappings would read as clean); the run fails for those images anyway.
 * The caller writes it (atomically), so a failing template leaves the old file.
 */
export function templateReportText(
  t: ReportTemplate,
  mappings: Readonly<Record<string, ReportMapping>>,
  results: ReadonlyMap<string, VulnCheckResult>,
  unused: readonly string[],
  log: Logger,
): string | undefined {
  const failed = [...results.values()].filter((r) => r.error !== undefined).length;
  if (failed > 0) {
    log.error('not rendering the vulncheck report: some images could not be checked', { images: failed, template: t.name });
    return undefined;
  }
  return renderTemplateReport(t, mappings, unused);
}
