/** README's flag table lists every flag exactly once, with its origin (seed, upstream or port only). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FLAG_DEFS } from '../src/cli/flagdefs';
import { flagOrigin } from '../src/cli/origins';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

function flagTable(): Map<string, string> {
  const start = README.indexOf('\n## Flags\n');
  const end = README.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(0);
  const rows = new Map<string, string>();
  for (const line of README.slice(start, end).split('\n')) {
    const m = /^\| (`-[^|]+`) \| ([^|]+) \|/.exec(line);
    if (!m) continue;
    for (const name of (m[1] as string).match(/`-[^`]+`/g) ?? []) {
      const flag = name.slice(2, -1);
      expect(rows.has(flag)).toBe(false);
      rows.set(flag, (m[2] as string).trim());
    }
  }
  return rows;
}

test('every flag and alias is in the table once, with its origin', () => {
  const rows = flagTable();
  const expected = new Map<string, string>();
  for (const d of FLAG_DEFS) for (const n of [d.name, ...(d.aliases ?? [])]) expected.set(n, flagOrigin(d.name));
  expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(expected));
});

test('origins: the Go flags are marked as the Go tools have them', () => {
  expect(flagOrigin('rename-template')).toBe('seed, upstream');
  expect(flagOrigin('trivy-command')).toBe('seed');
  expect(flagOrigin('vulncheck-format')).toBe('upstream');
  expect(flagOrigin('registry-mirror')).toBe('port only');
  // Every upstream flag (cerbos/reimage cmd/reimage/main.go) exists here with its Go name.
  const names = new Set(FLAG_DEFS.flatMap((d) => [d.name, ...(d.aliases ?? [])]));
  const upstream = ['V', 'dryrun', 'debug', 'input', 'rules-config', 'mappings-only', 'ignore', 'rename-ignore', 'rename-remote-path', 'rename-template',
    'rename-force-digest', 'clobber', 'no-copy', 'write-json-mappings-file', 'write-json-mappings-img', 'static-json-mappings-file', 'static-json-mappings-img',
    'vulncheck-timeout', 'vulncheck-max-retries', 'vulncheck-ignore-cve-list', 'vulncheck-max-cvss', 'vulncheck-max-risk', 'vulncheck-ignore-images',
    'vulncheck-method', 'vulncheck-report-template', 'vulncheck-report-output', 'grafeas-parent', 'vulncheck-command', 'vulncheck-format',
    'vulncheck-workers', 'binauthz-attestor', 'gcp-kms-key', 'verify-static-json-mappings'];
  for (const n of upstream) {
    expect(names.has(n)).toBe(true);
    expect(flagOrigin(n)).toMatch(/upstream/);
  }
});
