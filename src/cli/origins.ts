/**
 * Where each flag comes from, for README's flag table and its test: the seed-era Go reimage, today's upstream
 * (cerbos/reimage cmd/reimage/main.go), or this port only. Go's flag package gives every Go tool -h and -help.
 */
const SEED = new Set([
  'h', 'help', 'V', 'debug', 'dryrun', 'input', 'rules-config', 'mappings-only', 'ignore',
  'rename-ignore', 'rename-remote-path', 'rename-template', 'rename-force-digest', 'clobber', 'no-copy',
  'write-json-mappings-file', 'write-json-mappings-img', 'static-json-mappings-file', 'static-json-mappings-img',
  'verify-static-json-mappings', 'vulncheck-method', 'vulncheck-max-cvss', 'vulncheck-ignore-cve-list',
  'vulncheck-ignore-images', 'vulncheck-timeout', 'vulncheck-max-retries', 'trivy-command', 'grafeas-parent',
  'binauthz-attestor', 'gcp-kms-key',
]);
const UPSTREAM_ONLY = new Set([
  'vulncheck-command', 'vulncheck-format', 'vulncheck-max-risk', 'vulncheck-workers', 'vulncheck-report-template', 'vulncheck-report-output',
]);
// The seed flags today's upstream dropped.
const SEED_ONLY = new Set(['trivy-command']);

export type FlagOrigin = 'seed, upstream' | 'seed' | 'upstream' | 'port only';

export function flagOrigin(name: string): FlagOrigin {
  if (SEED.has(name)) return SEED_ONLY.has(name) ? 'seed' : 'seed, upstream';
  return UPSTREAM_ONLY.has(name) ? 'upstream' : 'port only';
}
