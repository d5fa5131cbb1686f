import { UsageError } from '../util/errors';

/** One entry of the Go tool's mappings JSON: the final reference and the digest it stands for. */
export interface QualifiedImage {
  tag: string;
  digest: string;
  ignoredCVEs?: string[];
  foundCVEs?: string[];
}

/** Original image string, exactly as written in the manifest, to where it went. */
export type Mappings = Record<string, QualifiedImage>;

/** A mappings table with no prototype: an image named `constructor` or a key `__proto__` is just a key. */
export function emptyMappings(): Mappings {
  return Object.create(null) as Mappings;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/** Parses mappings JSON written by this tool or the Go one; `source` names the file or image in errors. */
export function parseMappings(text: string, source: string): Mappings {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${source}: mappings are not valid JSON: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`${source}: mappings must be a JSON object of image -> {"tag","digest"}`);
  }
  const out = emptyMappings();
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const where = `${source}: mapping ${JSON.stringify(key)}`;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${where} must be an object with "tag" and "digest"`);
    const v = value as Record<string, unknown>;
    if (typeof v['tag'] !== 'string' || v['tag'] === '') throw new UsageError(`${where}: "tag" must be a non-empty string`);
    if (typeof v['digest'] !== 'string' || !DIGEST.test(v['digest'])) throw new UsageError(`${where}: "digest" must look like sha256:<hex>, got ${JSON.stringify(v['digest'])}`);
    const entry: QualifiedImage = { tag: v['tag'], digest: v['digest'] };
    for (const list of ['ignoredCVEs', 'foundCVEs'] as const) {
      const l = v[list];
      if (l === undefined || l === null) continue;
      if (!Array.isArray(l) || !l.every((x) => typeof x === 'string')) throw new UsageError(`${where}: "${list}" must be a list of strings`);
      if (l.length > 0) entry[list] = l as string[];
    }
    out[key] = entry;
  }
  return out;
}

/** Serialises like Go's json.Marshal of map[string]QualifiedImage: keys sorted, empty CVE lists omitted, no whitespace. */
export function serializeMappings(m: Mappings): string {
  const sorted = emptyMappings();
  for (const key of Object.keys(m).sort()) {
    const e = m[key] as QualifiedImage;
    const entry: QualifiedImage = { tag: e.tag, digest: e.digest };
    if (e.ignoredCVEs?.length) entry.ignoredCVEs = e.ignoredCVEs;
    if (e.foundCVEs?.length) entry.foundCVEs = e.foundCVEs;
    sorted[key] = entry;
  }
  return JSON.stringify(sorted);
}
