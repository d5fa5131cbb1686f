import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ReimageError, UsageError } from '../util/errors';
import { goFormatFloat32 } from './format';
import { worstScore } from './policy';
import type { VulnCheckResult, Vulnerability } from './types';

/** One distinct final image in the -vulncheck-report. */
export interface ReportRow {
  /** Image strings as written in the manifests that ended up as `image` */
  originals: string[];
  /** The final reference written back to the manifests */
  image: string;
  /** sha256:… of the final image */
  digest: string;
  /** undefined when no check ran for it (e.g. the run stopped earlier) */
  result: VulnCheckResult | undefined;
}

export interface ReportMeta {
  /** -vulncheck-max-cvss */
  maxCvss?: number;
  /** -vulncheck-max-risk */
  maxRisk?: number;
  /** -vulncheck-ignore-cve-list, as given */
  ignoredCves?: readonly string[];
  /** Ignored CVEs that matched nothing */
  unusedIgnores?: readonly string[];
  /** Shown in the heading; default "reimage vulnerability report" */
  title?: string;
  /** Timestamp shown under the heading; default now */
  generated?: Date;
}

export type ReportStatus = 'FAIL' | 'ERROR' | 'PASS' | 'SKIPPED' | 'NOT CHECKED';

export function reportRowStatus(r: VulnCheckResult | undefined): ReportStatus {
  if (!r) return 'NOT CHECKED';
  if (r.error !== undefined) return 'ERROR';
  if (r.rejected.length > 0) return 'FAIL';
  if (r.skipped) return 'SKIPPED';
  return 'PASS';
}

/** A row reduced to display strings; both renderers share it. */
interface Cells {
  status: ReportStatus;
  originals: string[];
  image: string;
  digest: string;
  worst: string;
  failing: string[];
  ignored: string[];
  found: string[];
  details: string;
}

const STATUS_ORDER: Record<ReportStatus, number> = { FAIL: 0, ERROR: 1, 'NOT CHECKED': 2, PASS: 3, SKIPPED: 4 };

function score1(s: number): string {
  return goFormatFloat32(s, 1);
}

/** "CVE-x (7.8)", worst first. */
function entries(list: readonly Vulnerability[]): string[] {
  return [...list].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).map((v) => `${v.id} (${score1(v.score)})`);
}

function toCells(row: ReportRow): Cells {
  const r = row.result;
  const status = reportRowStatus(r);
  return {
    status,
    originals: [...row.originals].sort(),
    image: row.image,
    digest: row.digest,
    worst: r && r.all.length > 0 ? score1(worstScore(r.all)) : status === 'PASS' ? '0.0' : '',
    failing: r ? entries(r.rejected) : [],
    ignored: r ? entries(r.ignored) : [],
    found: r ? entries(r.accepted) : [],
    details: r?.error ?? r?.skipReason ?? '',
  };
}

function sortedCells(rows: readonly ReportRow[]): Cells[] {
  return rows.map(toCells).sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.image.localeCompare(b.image));
}

function summary(cells: readonly Cells[], meta: ReportMeta): string {
  const count = (s: ReportStatus) => cells.filter((c) => c.status === s).length;
  const parts = [`${cells.length} image${cells.length === 1 ? '' : 's'}`, `${count('PASS')} passed`, `${count('FAIL')} failed`, `${count('ERROR')} errors`, `${count('SKIPPED')} skipped`];
  if (count('NOT CHECKED')) parts.push(`${count('NOT CHECKED')} not checked`);
  let s = parts.join(', ');
  const maxRisk = meta.maxRisk ?? 0;
  if (meta.maxCvss !== undefined) s += `; max CVSS ${meta.maxCvss === 0 ? (maxRisk === 0 ? '0 (checks disabled)' : '0 (no score limit)') : score1(meta.maxCvss)}`;
  if (maxRisk > 0) s += `; max risk ${score1(maxRisk)}`;
  if (meta.ignoredCves?.length) s += `; ignored CVEs: ${meta.ignoredCves.join(', ')}`;
  if (meta.unusedIgnores?.length) s += `; ignores that matched no CVE: ${meta.unusedIgnores.join(', ')}`;
  return s;
}

const COLUMNS = ['Status', 'Original image(s)', 'Final image', 'Digest', 'Worst CVSS', 'Failing CVEs', 'Ignored CVEs', 'Found CVEs', 'Details'];

/** Markdown escaping for a GitHub table cell: no pipes, no raw HTML, no emphasis or links. */
function mdCell(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#])/g, '\\$1')
    .replace(/\r?\n/g, '<br>');
}
const mdList = (l: readonly string[]) => l.map(mdCell).join('<br>');

/** A GitHub-flavoured Markdown table, readable in a CI job summary. */
export function renderMarkdown(rows: readonly ReportRow[], meta: ReportMeta = {}): string {
  const cells = sortedCells(rows);
  const lines = [`# ${mdCell(meta.title ?? 'reimage vulnerability report')}`, '', `${mdCell(summary(cells, meta))}`, '', `Generated ${(meta.generated ?? new Date()).toISOString()}`, ''];
  lines.push(`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => ' --- ').join('|')}|`);
  for (const c of cells) {
    const row = [
      `**${c.status}**`,
      mdList(c.originals),
      mdCell(c.image),
      mdCell(c.digest),
      mdCell(c.worst),
      mdList(c.failing),
      mdList(c.ignored),
      mdList(c.found),
      mdCell(c.details),
    ];
    lines.push(`| ${row.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function h(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
const hList = (l: readonly string[]) => (l.length === 0 ? '' : `<ul>${l.map((x) => `<li>${h(x)}</li>`).join('')}</ul>`);

const CSS = `body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2328}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}
td ul{margin:0;padding-left:1.1rem}
td li{white-space:nowrap}
code{font-size:.8rem;overflow-wrap:anywhere}
td.digest code{word-break:break-all}
tr.FAIL td.status{background:#ffebe9;color:#a40e26;font-weight:bold}
tr.ERROR td.status{background:#fff8c5;color:#7d4e00;font-weight:bold}
tr.PASS td.status{background:#dafbe1;color:#116329}
tr.SKIPPED td.status,tr.NOT-CHECKED td.status{color:#59636e}`;

/** A self-contained HTML page (inline CSS, no scripts) with one `<table>` row per image. */
export function renderHtml(rows: readonly ReportRow[], meta: ReportMeta = {}): string {
  const cells = sortedCells(rows);
  const title = meta.title ?? 'reimage vulnerability report';
  const body = cells
    .map((c) => {
      const tds = [
        `<td class="status">${h(c.status)}</td>`,
        `<td class="originals">${hList(c.originals)}</td>`,
        `<td class="image"><code>${h(c.image)}</code></td>`,
        `<td class="digest"><code>${h(c.digest)}</code></td>`,
        `<td class="worst">${h(c.worst)}</td>`,
        `<td class="failing">${hList(c.failing)}</td>`,
        `<td class="ignored">${hList(c.ignored)}</td>`,
        `<td class="found">${hList(c.found)}</td>`,
        `<td class="details">${h(c.details)}</td>`,
      ];
      return `<tr class="${c.status.replace(' ', '-')}" data-status="${h(c.status)}">${tds.join('')}</tr>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>
${CSS}
</style>
</head>
<body>
<h1>${h(title)}</h1>
<p class="summary">${h(summary(cells, meta))}</p>
<p class="generated">Generated ${h((meta.generated ?? new Date()).toISOString())}</p>
<table id="images">
<thead><tr>${COLUMNS.map((c) => `<th scope="col">${h(c)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</body>
</html>
`;
}

/** Markdown for .md, HTML for .html/.htm, chosen by `path`'s extension; any other extension is a UsageError. */
export function renderReport(path: string, rows: readonly ReportRow[], meta: ReportMeta = {}): string {
  const ext = extname(path).toLowerCase();
  if (ext === '.md' || ext === '.markdown') return renderMarkdown(rows, meta);
  if (ext === '.html' || ext === '.htm') return renderHtml(rows, meta);
  throw new UsageError(`-vulncheck-report ${JSON.stringify(path)}: use a .md or .html file name (got ${JSON.stringify(ext || 'no extension')})`);
}

/** renderReport, written to `path` (the run stage writes atomically instead). */
export async function writeReport(path: string, rows: readonly ReportRow[], meta: ReportMeta = {}): Promise<void> {
  const text = renderReport(path, rows, meta);
  try {
    await writeFile(path, text, 'utf8');
  } catch (e) {
    throw new ReimageError(`writing the vulnerability report ${path} failed: ${(e as Error).message}`, { cause: e });
  }
}
