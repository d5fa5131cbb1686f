/**
 * Which scanner runs, from the flags of both Go generations:
 * - upstream: `-vulncheck-method exec` (default) runs `-vulncheck-command` (default `grype --by-cve -o json`)
 *   and reads `-vulncheck-format` (default grype-json);
 * - seed: `-vulncheck-method trivy` runs `-trivy-command` (default `trivy image -f json`) and reads trivy-json.
 * An explicit -vulncheck-command or -vulncheck-format always wins; a -trivy-command given without
 * -vulncheck-command selects it (a seed-era setup whose default method was trivy).
 * Option values '' mean "not given" for these three flags.
 */
import { splitShellWords } from '../gocompat/shellwords';
import { UsageError } from '../util/errors';

export const VULN_FORMATS = ['trivy-json', 'grype-json'] as const;
export type VulnFormat = (typeof VULN_FORMATS)[number];

export const DEFAULT_VULNCHECK_COMMAND = 'grype --by-cve -o json';
export const DEFAULT_TRIVY_COMMAND = 'trivy image -f json';

export interface ScannerSettings {
  vulncheckMethod: string;
  vulncheckCommand: string;
  vulncheckFormat: string;
  trivyCommand: string;
}

export type ScannerChoice = { method: 'grafeas' } | { method: 'exec'; argv: string[]; format: VulnFormat; flag: '-vulncheck-command' | '-trivy-command'; command: string };

/** Resolves and checks the scanner settings; UsageError names the flag. */
export function resolveScanner(s: ScannerSettings): ScannerChoice {
  if (s.vulncheckMethod === 'grafeas') return { method: 'grafeas' };
  if (s.vulncheckMethod !== 'exec' && s.vulncheckMethod !== 'trivy') {
    throw new UsageError(`unknown scanning method ${JSON.stringify(s.vulncheckMethod)}, should be exec (alias trivy) or grafeas`);
  }
  const seed = s.vulncheckCommand === '' && (s.vulncheckMethod === 'trivy' || s.trivyCommand !== '');
  const flag = seed ? '-trivy-command' : '-vulncheck-command';
  const command = seed ? s.trivyCommand || DEFAULT_TRIVY_COMMAND : s.vulncheckCommand || DEFAULT_VULNCHECK_COMMAND;
  const format = s.vulncheckFormat || (seed || s.vulncheckMethod === 'trivy' ? 'trivy-json' : 'grype-json');
  if (!(VULN_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`invalid vulncheck output format ${JSON.stringify(format)}, (should be one of ${VULN_FORMATS.join(',')})`);
  }
  let argv: string[];
  try {
    argv = splitShellWords(command);
  } catch (e) {
    throw new UsageError(`could not parse ${flag} ${JSON.stringify(command)}: ${(e as Error).message}`);
  }
  if (argv.length === 0 || argv[0] === '') throw new UsageError(`${flag} is empty`);
  return { method: 'exec', argv, format: format as VulnFormat, flag, command };
}
