import { parseMappings } from '../mappings/format';
import type { Mappings } from '../mappings/format';
import { parseReference } from '../reference';
import type { ImageRegistry } from '../registry/types';
import { describeError, ReimageError, UsageError } from '../util/errors';
import { mapLimit } from '../util/concurrency';
import type { Logger } from '../util/log';
import { readFile } from 'node:fs/promises';

/** The flags static mappings read. */
export interface StaticMappingsSettings {
  staticJsonMappingsFile: string;
  staticJsonMappingsImg: string;
  verifyStaticJsonMappings: boolean;
  concurrency: number;
}

/** Static mappings and where they came from (file path or image), for messages. */
export interface StaticMappings {
  mappings: Mappings;
  source: string;
}

/**
 * Loads -static-json-mappings-file or -static-json-mappings-img, checks every entry parses and says one thing about
 * its content, and (by default) that each target still resolves to its digest.
 */
export async function loadStaticMappings(options: StaticMappingsSettings, registry: () => ImageRegistry, log: Logger): Promise<StaticMappings | undefined> {
  let mappings: Mappings;
  if (options.staticJsonMappingsFile) {
    const file = options.staticJsonMappingsFile;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new UsageError(`-static-json-mappings-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeError(e)}`);
    }
    mappings = parseMappings(text, file);
  } else if (options.staticJsonMappingsImg) {
    const ref = parseReference(options.staticJsonMappingsImg);
    mappings = parseMappings(await registry().pullMappingsImage(ref), options.staticJsonMappingsImg);
  } else {
    return undefined;
  }
  const source = options.staticJsonMappingsFile || options.staticJsonMappingsImg;
  checkEntries(mappings, source);
  if (options.verifyStaticJsonMappings) await verifyMappings(mappings, source, registry, options.concurrency, log);
  return { mappings, source };
}

/**
 * Every key and tag must parse, and a digest written in the key or the tag must equal the entry's digest:
 * otherwise the manifest would deploy one image while the CVE gate and the attestation see another.
 * This holds whatever -verify-static-json-mappings says, since it needs no registry.
 */
export function checkEntries(mappings: Mappings, source: string): void {
  for (const [key, entry] of Object.entries(mappings)) {
    for (const [what, value] of [['key', key], ['tag', entry.tag]] as const) {
      let digest: string | undefined;
      try {
        digest = parseReference(value).digest;
      } catch (e) {
        throw new UsageError(`${source}: mapping ${what} ${JSON.stringify(value)}: ${describeError(e)}`);
      }
      if (digest !== undefined && digest !== entry.digest) {
        throw new UsageError(
          `${source}: mapping ${JSON.stringify(key)}: ${what === 'key' ? 'the image' : '"tag"'} ${JSON.stringify(value)} pins ${digest}, but "digest" says ${entry.digest}; refusing a mapping that contradicts itself`,
        );
      }
    }
  }
}

/** As in the Go tool: a target tag that moved since the mappings were written makes them stale. */
async function verifyMappings(mappings: Mappings, source: string, registry: () => ImageRegistry, concurrency: number, log: Logger): Promise<void> {
  const entries = Object.entries(mappings);
  log.debug('verifying static mappings', { entries: entries.length });
  await mapLimit(entries, concurrency, async ([key, entry]) => {
    let current: string;
    try {
      current = await registry().resolve(parseReference(entry.tag));
    } catch (e) {
      throw new ReimageError(`${source}: could not check digest for ${entry.tag} (mapping for ${key}): ${describeError(e)}`);
    }
    if (current !== entry.digest) throw new ReimageError(`${source}: mapping for ${entry.tag} has changed, was ${entry.digest}, is now ${current}`);
  });
}
