/**
 * The mappings JSON of both Go generations, read with encoding/json's rules and written byte for byte as
 * Go's json.Marshal would:
 * - seed:     {"<original>":{"tag":…,"digest":…,"ignoredCVEs":["CVE:9.800000"],"foundCVEs":[…]}} (empty lists omitted)
 * - upstream: {"<original>":{"tag":…,"digest":…,"vulncheckResult":{"Ignored":[CVE]|null,"Accepted":…,"Rejected":…}}}
 *   with CVE = {"ID","CVSS","Risk","Desc"} and a rejected one adding "Reason".
 * Both are read (a file may even carry both); -mappings-format picks the one written.
 */
import { GoJsonError, goDecode, goFloat32, goJsonFloat32, goJsonString, goSlice, goString, goStructType } from '../gocompat/json';
import { formatFloat32Fixed, sortedById } from '../gocompat/fmt';
import { UsageError } from '../util/errors';
import { isRecord } from '../util/record';

export const MAPPINGS_FORMATS = ['seed', 'upstream'] as const;
export type MappingsFormat = (typeof MAPPINGS_FORMATS)[number];

/** One recorded CVE (upstream's CVE). Same shape as vuln's Vulnerability, so results drop in. */
export interface RecordedCve {
  id: string;
  score: number;
  risk: number;
  description: string;
  /** Upstream's RejectedCVE.Reason */
  reason?: string;
  /** The seed entry ("CVE-x:7.800000") this was read from, written back unchanged in the seed format */
  seedEntry?: string;
}

/** Upstream's VulnCheckResult. */
export interface VulncheckRecord {
  ignored: RecordedCve[];
  accepted: RecordedCve[];
  rejected: RecordedCve[];
}

/** One entry of the mappings: the final reference, the digest it stands for, and what the CVE gate recorded. */
export interface QualifiedImage {
  tag: string;
  digest: string;
  vulncheck?: VulncheckRecord;
}

/** Original image string, exactly as written in the manifest, to where it went. Null prototype: keys are user strings. */
export type Mappings = Record<string, QualifiedImage>;

export function emptyMappings(): Mappings {
  return Object.create(null) as Mappings;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

const CVE_FIELDS = { ID: goString, CVSS: goFloat32, Risk: goFloat32, Desc: goString };
const ENTRY = goStructType('QualifiedImage', {
  tag: goString,
  digest: goString,
  ignoredCVEs: goSlice(goString),
  foundCVEs: goSlice(goString),
  vulncheckResult: goStructType('VulnCheckResult', {
    Ignored: goSlice(goStructType('CVE', CVE_FIELDS)),
    Accepted: goSlice(goStructType('CVE', CVE_FIELDS)),
    Rejected: goSlice(goStructType('RejectedCVE', { ...CVE_FIELDS, Reason: goString })),
  }),
});

/** `fmt.Sprintf("%s:%f", id, score)` read back: "CVE-x:7.800000" → {id, score}; anything else keeps the text as the id. */
function fromSeedEntry(entry: string): RecordedCve {
  const i = entry.lastIndexOf(':');
  const score = i > 0 ? Number(entry.slice(i + 1)) : NaN;
  return { id: i > 0 && Number.isFinite(score) ? entry.slice(0, i) : entry, score: Number.isFinite(score) ? Math.fround(score) : 0, risk: 0, description: '', seedEntry: entry };
}

/** JSON with object keys sorted, so the same entry written in another key order compares equal. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

function sameJson(a: string, b: string): boolean {
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return false; // too deep to compare: not the same entry
  }
}

/**
 * JSON.parse keeps the last of duplicate keys, as Go does. The same image mapped twice to different entries
 * (a hand merge) is a contradiction, refused; `text` is valid JSON here, so a flat scan finds the top-level keys.
 */
function checkDuplicateImages(text: string, source: string): void {
  const seen = new Map<string, string>();
  let depth = 0;
  let key: string | undefined;
  let valueStart = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && key === undefined) key = JSON.parse(text.slice(i, j + 1)) as string;
      i = j;
    } else if (c === ':' && depth === 1 && valueStart < 0) valueStart = i + 1;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']' || (c === ',' && depth === 1)) {
      if (c !== ',') depth--;
      if (depth === (c === ',' ? 1 : 0) && key !== undefined && valueStart >= 0) {
        const value = text.slice(valueStart, i).trim();
        const before = seen.get(key);
        if (before !== undefined && before !== value && !sameJson(before, value)) throw new UsageError(`${source}: mapping ${JSON.stringify(key)} appears twice with different entries; refusing a contradictory mappings file`);
        seen.set(key, value);
        key = undefined;
        valueStart = -1;
      }
    }
  }
}

/** Parses mappings JSON written by this tool or either Go one; `source` names the file or image in errors. */
export function parseMappings(text: string, source: string): Mappings {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${source}: mappings are not valid JSON: ${(e as Error).message}`);
  }
  if (isRecord(raw)) checkDuplicateImages(text, source);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`${source}: mappings must be a JSON object of image -> {"tag","digest"}`);
  }
  const out = emptyMappings();
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const where = `${source}: mapping ${JSON.stringify(key)}`;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${where} must be an object with "tag" and "digest"`);
    let v;
    try {
      v = goDecode(value, ENTRY);
    } catch (e) {
      if (e instanceof GoJsonError) throw new UsageError(`${where}: ${e.message}`);
      throw e;
    }
    if (v.tag === '') throw new UsageError(`${where}: "tag" must be a non-empty string`);
    if (!DIGEST.test(v.digest)) throw new UsageError(`${where}: "digest" must look like sha256:<hex>, got ${JSON.stringify(v.digest)}`);
    const entry: QualifiedImage = { tag: v.tag, digest: v.digest };
    const r = v.vulncheckResult;
    const cve = (c: { ID: string; CVSS: number; Risk: number; Desc: string }): RecordedCve => ({ id: c.ID, score: c.CVSS, risk: c.Risk, description: c.Desc });
    if (r.Ignored.length || r.Accepted.length || r.Rejected.length) {
      entry.vulncheck = { ignored: r.Ignored.map(cve), accepted: r.Accepted.map(cve), rejected: r.Rejected.map((c) => ({ ...cve(c), reason: c.Reason })) };
    } else if (v.ignoredCVEs.length || v.foundCVEs.length) {
      entry.vulncheck = { ignored: v.ignoredCVEs.map(fromSeedEntry), accepted: v.foundCVEs.map(fromSeedEntry), rejected: [] };
    }
    out[key] = entry;
  }
  return out;
}

/** `fmt.Sprintf("%s:%f", id, float32 score)`, Go's rounding. */
export function seedEntry(c: RecordedCve): string {
  return c.seedEntry ?? `${c.id}:${formatFloat32Fixed(c.score, 6)}`;
}

const strList = (l: readonly string[]): string => `[${l.map(goJsonString).join(',')}]`;

function cveJson(c: RecordedCve, rejected: boolean): string {
  const base = `"ID":${goJsonString(c.id)},"CVSS":${goJsonFloat32(c.score)},"Risk":${goJsonFloat32(c.risk)},"Desc":${goJsonString(c.description)}`;
  return `{${base}${rejected ? `,"Reason":${goJsonString(c.reason ?? '')}` : ''}}`;
}

/** A nil slice marshals as null: upstream writes null for every empty list. Upstream's lists are sorted by id. */
const cveList = (l: readonly RecordedCve[] | undefined, rejected = false): string => (l?.length ? `[${sortedById(l).map((c) => cveJson(c, rejected)).join(',')}]` : 'null');

function entryJson(e: QualifiedImage, format: MappingsFormat): string {
  const head = `"tag":${goJsonString(e.tag)},"digest":${goJsonString(e.digest)}`;
  const r = e.vulncheck;
  if (format === 'upstream') {
    return `{${head},"vulncheckResult":{"Ignored":${cveList(r?.ignored)},"Accepted":${cveList(r?.accepted)},"Rejected":${cveList(r?.rejected, true)}}}`;
  }
  const ignored = r?.ignored.length ? `,"ignoredCVEs":${strList(r.ignored.map(seedEntry))}` : '';
  const found = r?.accepted.length ? `,"foundCVEs":${strList(r.accepted.map(seedEntry))}` : '';
  return `{${head}${ignored}${found}}`;
}

/** Serialises like Go's json.Marshal of map[string]QualifiedImage in the chosen generation's struct: keys sorted, no whitespace. */
export function serializeMappings(m: Mappings, format: MappingsFormat = 'seed'): string {
  // Go sorts map keys by bytes; image strings are ASCII, where UTF-16 order is the same.
  const keys = Object.keys(m).sort();
  return `{${keys.map((k) => `${goJsonString(k)}:${entryJson(m[k] as QualifiedImage, format)}`).join(',')}}`;
}
