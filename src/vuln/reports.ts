/**
 * Scanner reports, read as the upstream Go reimage reads them (vulnparser.go): decoded with encoding/json's
 * rules into the same structs, so a report Go accepts reads the same here and one Go rejects fails the image.
 */
import { GoJsonError, goDecode, goFloat32, goMap, goSlice, goString, goStructType } from '../gocompat/json';
import type { Vulnerability } from './types';

import type { VulnFormat } from './scanner';

export { VULN_FORMATS } from './scanner';
export type { VulnFormat } from './scanner';

/** What a CVE without any CVSS data scores, in both formats (grype's rule, which upstream adopted). */
export const NO_CVSS_SCORE = 5.0;

const TRIVY = goStructType('trivyJSONReport', {
  Results: goSlice(
    goStructType('Result', {
      Vulnerabilities: goSlice(
        goStructType('Vulnerability', {
          CVSS: goMap(goStructType('CVSS', { V3Score: goFloat32, V2Score: goFloat32 })),
          VulnerabilityID: goString,
        }),
      ),
    }),
  ),
});

const GRYPE = goStructType('grypeJSONReport', {
  Matches: goSlice(
    goStructType('Match', {
      Vulnerability: goStructType('Vulnerability', {
        CVSS: goSlice(goStructType('CVSS', { Type: goString, Metrics: goStructType('Metrics', { BaseScore: goFloat32 }) })),
        ID: goString,
        Description: goString,
        Risk: goFloat32,
      }),
    }),
  ),
});

/** `trivy image -f json`: per CVSS source V3 when non-zero, else V2; the highest source wins. */
function trivyCves(doc: unknown): Vulnerability[] {
  const report = goDecode(doc, TRIVY);
  const out: Vulnerability[] = [];
  for (const r of report.Results) {
    for (const v of r.Vulnerabilities) {
      let score = v.CVSS.size === 0 ? NO_CVSS_SCORE : 0;
      for (const c of v.CVSS.values()) {
        const s = c.V3Score !== 0 ? c.V3Score : c.V2Score;
        if (s > score) score = s;
      }
      out.push({ id: v.VulnerabilityID, score, risk: 0, description: '' });
    }
  }
  return out;
}

/** `grype -o json` (upstream runs `grype --by-cve -o json`): the highest cvss[].metrics.baseScore, plus risk and description. */
function grypeCves(doc: unknown): Vulnerability[] {
  const report = goDecode(doc, GRYPE);
  const out: Vulnerability[] = [];
  for (const m of report.Matches) {
    const v = m.Vulnerability;
    let score = v.CVSS.length === 0 ? NO_CVSS_SCORE : 0;
    for (const c of v.CVSS) if (c.Metrics.BaseScore > score) score = c.Metrics.BaseScore;
    out.push({ id: v.ID, score, risk: v.Risk, description: v.Description });
  }
  return out;
}

/** A report that is not valid for its format; the message is one line and says where. */
export class ReportFormatError extends Error {
  override name = 'ReportFormatError';
}

/**
 * Keys a report of each format always has (trivy: SchemaVersion even for a clean scratch image, Results
 * once anything was scanned; grype: matches, even when empty). Go does not ask for them, so a grype report
 * read as trivy-json passes there with no CVEs; here an object without them fails the image instead.
 */
const SIGNATURE: Readonly<Record<VulnFormat, readonly string[]>> = { 'trivy-json': ['results', 'schemaversion'], 'grype-json': ['matches'] };
const OTHER: Readonly<Record<VulnFormat, VulnFormat>> = { 'trivy-json': 'grype-json', 'grype-json': 'trivy-json' };

function checkSignature(doc: unknown, format: VulnFormat): void {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return; // null is empty; other types fail in goDecode
  const keys = Object.keys(doc).map((k) => k.toLowerCase());
  if (SIGNATURE[format].some((k) => keys.includes(k))) return;
  const other = OTHER[format];
  const hint = SIGNATURE[other].some((k) => keys.includes(k)) ? `; it looks like ${other}: set -vulncheck-format ${other}` : '';
  throw new ReportFormatError(`the report has no ${SIGNATURE[format].map((k) => JSON.stringify(k)).join(' or ')} key, so it is not ${format}${hint}`);
}

/**
 * Parses one scanner report and merges duplicate ids like upstream: highest score, highest risk, longest
 * description (UTF-8 bytes; a tie keeps the later one). A bare `null` report has no CVEs. The merged list keeps
 * the scanner's order (each id at its first position), which is the seed's foundCVEs order; upstream sorts by
 * id, so its outputs (the upstream mappings format, report templates) sort when they are written.
 */
export function parseScannerReport(text: string, format: VulnFormat): Vulnerability[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ReportFormatError(text.trim() === '' ? 'unexpected end of JSON input' : (e as Error).message);
  }
  checkSignature(doc, format);
  let raw: Vulnerability[];
  try {
    raw = format === 'trivy-json' ? trivyCves(doc) : grypeCves(doc);
  } catch (e) {
    if (!(e instanceof GoJsonError)) throw e;
    throw new ReportFormatError(e.message);
  }
  return mergeDuplicates(raw);
}

export function mergeDuplicates(raw: readonly Vulnerability[]): Vulnerability[] {
  const byId = new Map<string, Vulnerability>();
  for (const c of raw) {
    // Go starts from the zero CVE, so even a lone negative score or risk becomes 0.
    const prev = byId.get(c.id) ?? { score: 0, risk: 0, description: '' };
    // Map.set on an existing key keeps its position: the first occurrence's.
    byId.set(c.id, {
      id: c.id,
      score: Math.max(prev.score, c.score),
      risk: Math.max(prev.risk, c.risk),
      description: Buffer.byteLength(prev.description) > Buffer.byteLength(c.description) ? prev.description : c.description,
    });
  }
  return [...byId.values()];
}

