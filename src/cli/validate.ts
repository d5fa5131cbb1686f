/**
 * Cross-field checks on resolved options: at least as strict as the Go
 * reimage's setup(), with messages that name the flag. Returns warnings for
 * settings that are accepted but have no effect.
 */
import { UsageError } from '../util/errors';
import { FLAG_DEFS, flagByKey, FlagKey } from './flagdefs';
import { compileGoRegexp } from '../gocompat/regexp';
import { DEFAULT_RENAME_TEMPLATE, Options } from './options';
import { parseMirror } from '../reference/mirror';
import { parsePlatform } from '../reference/platform';
import { hasUserinfo } from '../util/text';

const ATTESTOR = /^projects\/[^/\s]+\/attestors\/[^/\s]+$/;
const GRAFEAS_PARENT = /^projects\/[^/\s]+$/;
// BinAuthz lists KMS keys as //cloudkms.googleapis.com/v1/projects/...; accept both.
const KMS_KEY =
  /^(?:\/\/cloudkms\.googleapis\.com\/v1\/)?projects\/[^/\s]+\/locations\/[^/\s]+\/keyRings\/[^/\s]+\/cryptoKeys\/[^/\s]+\/cryptoKeyVersions\/[^/\s]+$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$/;

const flag = (key: FlagKey): string => `-${flagByKey(key).name}`;
const fail = (msg: string): never => {
  throw new UsageError(msg);
};

/** host[:port] with a port in 1..65535 when present (required if portRequired). */
function isHostPort(s: string, portRequired: boolean): boolean {
  const m = /^(.*?)(?::(\d+))?$/.exec(s);
  if (!m || !HOST.test(m[1] as string)) return false;
  if (m[2] === undefined) return !portRequired;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535;
}

function checkRegexp(what: string, source: string): void {
  if (source !== '') compileGoRegexp(source, what);
}

function checkNumbers(o: Options): void {
  for (const d of FLAG_DEFS) {
    const v = o[d.key];
    if (typeof v !== 'number') continue;
    if (d.kind === 'int' && !Number.isSafeInteger(v)) fail(`${flag(d.key)} must be an integer, got ${v}`);
    const range = d.max !== undefined ? `between ${d.min ?? '-Inf'} and ${d.max}` : `at least ${d.min}`;
    if (Number.isNaN(v) || (d.min !== undefined && v < d.min) || (d.max !== undefined && v > d.max)) {
      fail(`${flag(d.key)} must be ${range}, got ${v}`);
    }
  }
  if (!(o.vulncheckTimeoutMs > 0) || !Number.isFinite(o.vulncheckTimeoutMs)) {
    fail(`${flag('vulncheckTimeoutMs')} must be positive, got ${o.vulncheckTimeoutMs}ms`);
  }
  // A Node timer holds at most 2^31-1 ms (24.8 days); a longer one fires at once.
  if (!(o.registryTimeoutMs > 0) || o.registryTimeoutMs > 2 ** 31 - 1) {
    fail(`${flag('registryTimeoutMs')} must be between 1ms and 596h, got ${o.registryTimeoutMs}ms`);
  }
}

function checkChoices(o: Options): void {
  for (const d of FLAG_DEFS) {
    const choices: readonly string[] | undefined = d.choices;
    const v = o[d.key];
    if (v === '' && d.shownDefault !== undefined) continue; // not given
    if (choices && typeof v === 'string' && !choices.includes(v)) {
      fail(`invalid ${flag(d.key)} ${JSON.stringify(v)}, should be ${choices.join(' or ')}`);
    }
  }
}

// Values that are commands, templates or regexps may hold anything; every other flag is checked for credentials.
const FREE_TEXT = /(?:command|template|ignore|ignore-images|cve-list)$/;
// Flags naming a host, registry or image: `user:pass@host` is userinfo there even without a scheme.
const HOSTISH = /(?:endpoint|registry|registries|mirror|remote-path|-img|url)$/;

/** userinfo before the host: `user:pass@host[:port][/path]`, with or without a scheme. */
function hostUserinfo(v: string): boolean {
  const rest = v.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const at = rest.indexOf('@');
  if (at < 0) return false;
  const slash = rest.indexOf('/');
  return slash < 0 || at < slash;
}

/**
 * Credentials never go in a flag: they would show in process lists, logs and error messages. The value is not
 * echoed. Checked first, so no later message can print it.
 */
function checkNoCredentials(o: Options): void {
  for (const d of FLAG_DEFS) {
    if (FREE_TEXT.test(d.name)) continue;
    const v: unknown = o[d.key];
    const values = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    for (const s of values) {
      if (hasUserinfo(s) || (HOSTISH.test(d.name) && hostUserinfo(s))) {
        fail(`${flag(d.key)}: credentials (user:password@) are not allowed in the value, which is not shown; use the docker config, a credential helper or Google ADC instead`);
      }
    }
  }
}

function checkEndpoints(o: Options): void {
  for (const key of ['grafeasEndpoint', 'kmsEndpoint'] as const) {
    if (o[key] !== '' && !isHostPort(o[key], true)) fail(`invalid ${flag(key)} ${JSON.stringify(o[key])}: want HOST:PORT`);
  }
  if (o.binauthzEndpoint !== '') {
    let ok = false;
    try {
      const u = new URL(o.binauthzEndpoint);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && u.search === '' && u.hash === '';
    } catch {
      ok = false;
    }
    if (!ok) fail(`invalid ${flag('binauthzEndpoint')} ${JSON.stringify(o.binauthzEndpoint)}: want an http(s) URL such as https://binaryauthorization.googleapis.com`);
  }
  for (const r of o.insecureRegistries) {
    if (!isHostPort(r, false)) fail(`invalid ${flag('insecureRegistries')} ${JSON.stringify(r)}: want HOST[:PORT], without a scheme or path`);
  }
}

function checkVulnAndAttest(o: Options, warnings: string[]): void {
  const checking = o.vulncheckMaxCvss > 0 || o.vulncheckMaxRisk > 0;
  // Go splits the command at setup whether or not checks are on; a bad one fails either way.
  // Loaded only when a scanner flag is set, so the offline path stays small.
  if (checking || o.vulncheckCommand || o.trivyCommand || o.vulncheckFormat || o.vulncheckIgnoreCveList.length > 0) {
    (require('../vuln/scanner') as typeof import('../vuln/scanner')).resolveScanner(o);
    // Regexps in REGEXP=CVE,… entries compile at startup, as Go's flag.Var Set does.
    (require('../vuln/ignore') as typeof import('../vuln/ignore')).parseIgnoreSpec(o.vulncheckIgnoreCveList);
  }
  if (checking && o.vulncheckMethod === 'grafeas' && o.grafeasParent === '') {
    fail(`${flag('vulncheckMethod')} grafeas needs ${flag('grafeasParent')} (e.g. projects/my-project-id)`);
  }
  if ((o.vulncheckReportTemplate === '') !== (o.vulncheckReportOutput === '')) {
    fail(`vulncheck reporting requires both the template and output to be set (${flag('vulncheckReportTemplate')} and ${flag('vulncheckReportOutput')})`);
  }
  if (o.grafeasParent !== '' && !GRAFEAS_PARENT.test(o.grafeasParent)) {
    fail(`invalid ${flag('grafeasParent')} ${JSON.stringify(o.grafeasParent)}: want projects/PROJECT`);
  }
  if (o.binauthzAttestor !== '') {
    if (!ATTESTOR.test(o.binauthzAttestor)) {
      fail(`invalid ${flag('binauthzAttestor')} ${JSON.stringify(o.binauthzAttestor)}: want projects/PROJECT/attestors/ATTESTOR`);
    }
    // Attestations are Grafeas occurrences created under the parent.
    if (o.grafeasParent === '') fail(`${flag('binauthzAttestor')} needs ${flag('grafeasParent')} (attestations are written there)`);
  } else if (o.gcpKmsKey !== '' || o.kmsEndpoint !== '') {
    warnings.push(`${o.gcpKmsKey !== '' ? flag('gcpKmsKey') : flag('kmsEndpoint')} has no effect without ${flag('binauthzAttestor')}`);
  }
  if (o.gcpKmsKey !== '' && !KMS_KEY.test(o.gcpKmsKey)) {
    fail(`invalid ${flag('gcpKmsKey')} ${JSON.stringify(o.gcpKmsKey)}: want projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V`);
  }
  if (o.vulncheckReport !== '' && !/\.(md|html?)$/i.test(o.vulncheckReport)) {
    fail(`${flag('vulncheckReport')} ${JSON.stringify(o.vulncheckReport)} must end in .md or .html`);
  }
}

function checkMappings(o: Options, warnings: string[]): void {
  const staticSet = o.staticJsonMappingsFile !== '' || o.staticJsonMappingsImg !== '';
  if (o.staticJsonMappingsFile !== '' && o.staticJsonMappingsImg !== '') {
    fail(`only one static mappings configuration is allowed: ${flag('staticJsonMappingsFile')} or ${flag('staticJsonMappingsImg')}`);
  }
  if (o.mappingsOnly && !staticSet) {
    fail(`${flag('mappingsOnly')} requested, but no static mappings file or image specified (${flag('staticJsonMappingsFile')} or ${flag('staticJsonMappingsImg')})`);
  }
  if (staticSet) {
    // Go: static mappings replace renaming entirely.
    if (o.renameRemotePath !== '' || o.renameTemplate !== DEFAULT_RENAME_TEMPLATE) {
      warnings.push(`static mappings are set, so image renaming is disabled (${flag('renameRemotePath')} and ${flag('renameTemplate')} are ignored)`);
    }
  } else if (o.renameRemotePath === '' && (o.renameTemplate !== DEFAULT_RENAME_TEMPLATE || o.renameIgnore !== '^$')) {
    warnings.push(`${flag('renameRemotePath')} is empty, so images are not renamed (${flag('renameTemplate')} and ${flag('renameIgnore')} have no effect)`);
  }
  if (o.noCopy && o.clobber) warnings.push(`${flag('clobber')} has no effect with ${flag('noCopy')}`);
}

/** The issue-11 flags: syntax, and -verify-only's promise to change nothing. */
function checkSupplyChain(o: Options, warnings: string[]): void {
  const syntax = (key: FlagKey, f: () => unknown): void => {
    try {
      f();
    } catch (e) {
      fail(`${flag(key)}: ${(e as Error).message}`);
    }
  };
  if (o.platform !== '') syntax('platform', () => parsePlatform(o.platform));
  for (const m of o.registryMirrors) syntax('registryMirrors', () => parseMirror(m));
  checkRegexp(flag('allowedRegistries'), o.allowedRegistries);
  if (o.verifyOnly) {
    for (const key of ['writeJsonMappingsFile', 'writeJsonMappingsImg', 'writeKustomizeImages'] as const) {
      if (o[key] !== '') fail(`${flag('verifyOnly')} changes nothing, so it cannot be combined with ${flag(key)}`);
    }
    if (o.mappingsOnly) fail(`${flag('verifyOnly')} checks manifests, so it cannot be combined with ${flag('mappingsOnly')}`);
    if (o.copyReferrers) warnings.push(`${flag('copyReferrers')} has no effect with ${flag('verifyOnly')}: nothing is copied`);
    if (o.renameRemotePath !== '') warnings.push(`${flag('renameRemotePath')} has no effect with ${flag('verifyOnly')}: images are checked as written`);
  }
  if (o.listImages) {
    // An inventory writes only the list; a flag that would write or copy something would silently do nothing.
    for (const key of ['writeJsonMappingsFile', 'writeJsonMappingsImg', 'writeKustomizeImages', 'vulncheckReport', 'vulncheckReportOutput'] as const) {
      if (o[key] !== '') fail(`${flag('listImages')} only lists images, so it cannot be combined with ${flag(key)}`);
    }
    if (o.verifyOnly) fail(`${flag('listImages')} only lists images, so it cannot be combined with ${flag('verifyOnly')}`);
  } else if (o.listFormat !== 'text') {
    fail(`${flag('listFormat')} ${o.listFormat} needs ${flag('listImages')}`);
  }
  if (o.copyReferrers && o.noCopy) warnings.push(`${flag('copyReferrers')} has no effect with ${flag('noCopy')}`);
}

/** Throws UsageError on the first invalid setting; returns warnings about ineffective ones. */
export function validateOptions(o: Options): string[] {
  const warnings: string[] = [];
  checkNoCredentials(o);
  checkChoices(o);
  checkNumbers(o);
  for (const key of ['ignore', 'renameIgnore', 'vulncheckIgnoreImages'] as const) checkRegexp(flag(key), o[key]);
  o.rules.forEach((r, i) => {
    // Go's rule kind "Raw" is a keyword, not a regexp.
    if (r.kind !== 'Raw') {
      checkRegexp(`spec.rules[${i}].kind`, r.kind);
      checkRegexp(`spec.rules[${i}].apiVersion`, r.apiVersion);
    }
  });
  checkMappings(o, warnings);
  checkVulnAndAttest(o, warnings);
  checkEndpoints(o);
  checkSupplyChain(o, warnings);
  return warnings;
}
