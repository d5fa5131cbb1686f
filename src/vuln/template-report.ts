/**
 * -vulncheck-report-template / -vulncheck-report-output: upstream's report. The template is a Go
 * text/template with sprig's functions, parsed at startup and named after the file's base name (Go's
 * ParseFiles); it receives upstream's VulnCheckReportData:
 *   .Mappings      map[string]QualifiedImage (Tag, Digest, VulnCheckResult{Ignored, Accepted, Rejected})
 *   .Rejections    map[string]VulnCheckReportDataRejection: CVE id → the CVE (ID, CVSS, Risk, Desc, Reason)
 *                  and .Images, the sorted original images that carry it
 *   .UnusedIgnores []string: ignore-list CVEs that matched nothing
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ReimageError, UsageError } from '../util/errors';
import type { Logger } from '../util/log';
import type { VulnCheckResult } from './types';

export interface ReportTemplate {
  name: string;
  file: string;
  execute(data: unknown): string;
}

export interface VulnPrepared {
  template?: ReportTemplate;
}

export async function loadReportTemplate(file: string): Promise<ReportTemplate> {
  throw new UsageError(`-vulncheck-report-template ${JSON.stringify(file)}: report templates are not available yet`);
}

export async function writeTemplateReport(_t: ReportTemplate, _out: string, _m: unknown, _r: ReadonlyMap<string, VulnCheckResult>, _u: string[], _log: Logger): Promise<void> {
  throw new ReimageError('not yet');
}
