/**
 * The pipeline of one run, in the order that keeps side effects last:
 * compile and check everything the user gave -> locate images -> remap chain (lookups, copies) -> CVE gate ->
 * render the output -> look up the attestor and existing attestations -> only then the side effects:
 * create attestations, push the mappings image, write the mappings file.
 * stdout is written by the caller (emit.ts), after all of it.
 */
import { readFile } from 'node:fs/promises';
import { compileGoRegexp } from '../gocompat/regexp';
import type { GoRegexp } from '../gocompat/regexp';
import { hasErrors } from '../krm/results';
import type { Result } from '../krm/results';
import { compileRuleSets, DEFAULT_RULE_SET, parseRulesConfig } from '../manifest';
import type { CompiledRules, ImageRule } from '../manifest';
import { checkWritable, writeFileAtomic } from '../mappings/file';
import { serializeMappings } from '../mappings/format';
import type { Mappings } from '../mappings/format';
import { parseReference } from '../reference';
import { compileTemplate, RENAME_FIELDS } from '../reference/template';
import type { Reference } from '../reference/types';
import { allowedRemapper, ensureRemapper, ignoreRemapper, renameRemapper, runChain, staticRemapper, toMappings } from '../remap';
import type { Remapper, RemapContext, RemapOutcome } from '../remap';
import type { ImageRegistry } from '../registry/types';
import { pushAll } from '../util/arrays';
import { describeError, UsageError } from '../util/errors';
import type { Logger } from '../util/log';
import type { Input } from './input';
import { inventory } from './inventory';
import { collectOccurrences, groupByImage } from './occurrences';
import type { Occurrence } from './occurrences';
import { renderOutput } from './output';
import { loadStaticMappings } from './static-mappings';
import type { StaticMappings } from './static-mappings';
import type { CopyProgressReporter } from './progress';
import { planAttestStage, prepareVulnStage, vulnStage } from './checks';
import { failureResults } from './failures';
import { supplySettings } from './supply';
import type { SupplySettings } from './supply';
import { verifiedOutput, verifyStage } from './verify';
import { checkOutput } from './emit';
import type { CheckedOutput, OutputPlan } from './emit';
import type { RunSettings } from './settings';
import type { ImageState } from './state';

export { readInput } from './input';
export type { Input } from './input';
export { checkOutput, emitOutput, MAPPINGS_ONLY_WITH_STDIN } from './emit';
export type { CheckedOutput, OutputIo, OutputPlan } from './emit';
export { copyProgress } from './progress';
export type { CopyProgressReporter } from './progress';
export type { RunSettings, PipelineSettings } from './settings';
export type { ImageState } from './state';

export interface PipelineResult {
  results: Result[];
  /** What to print, already checked; absent when a result is an error (then nothing is printed) */
  output?: CheckedOutput;
}

function lazyRegistry(settings: RunSettings, log: Logger, supply: SupplySettings): () => ImageRegistry {
  let client: ImageRegistry | undefined;
  return () => {
    // Loaded on first use: offline runs never pay for the registry stack.
    if (client) return client;
    const registry = require('../registry') as typeof import('../registry');
    client = registry.createRegistryClient({
      log,
      insecureRegistries: settings.insecureRegistries,
      concurrency: settings.concurrency,
      mirrors: supply.mirrors,
      timeoutMs: settings.registryTimeoutMs,
      retry: { ...registry.DEFAULT_RETRY, attempts: settings.registryAttempts },
    });
    return client;
  };
}

function buildChain(settings: RunSettings, ignore: GoRegexp | undefined, statics: StaticMappings | undefined, log: Logger, progress: CopyProgressReporter, supply: SupplySettings): Remapper[] {
  const chain: Remapper[] = [];
  if (ignore) chain.push(ignoreRemapper(ignore));
  if (statics) {
    chain.push(staticRemapper(statics.mappings, statics.source));
  } else if (settings.renameRemotePath) {
    chain.push(
      renameRemapper({
        ignore: settings.renameIgnore ? compileGoRegexp(settings.renameIgnore, '-rename-ignore') : undefined,
        remotePath: settings.renameRemotePath,
        template: compileTemplate(settings.renameTemplate, RENAME_FIELDS),
      }),
    );
  }
  // Policy on the final name runs before any copy.
  if (supply.allowed) chain.push(allowedRemapper(supply.allowed.re, supply.allowed.source));
  if (!settings.noCopy) {
    chain.push(
      ensureRemapper({
        noClobber: !settings.clobber,
        dryRun: settings.dryRun,
        copyReferrers: settings.copyReferrers,
        onProgress: (dst, p) => progress.update(dst, p),
        onCopied: (src, dst, s) => {
          progress.done(dst);
          log.info('copied', { src, dst, blobsUploaded: s.blobsUploaded, blobsMounted: s.blobsMounted, blobsSkipped: s.blobsSkipped, bytes: s.bytesUploaded });
        },
      }),
    );
  }
  return chain;
}

/** Inline FunctionConfig rules, then -rules-config, then the defaults: the first matching rule wins, as in the Go tool. */
async function loadRules(settings: RunSettings): Promise<CompiledRules> {
  let fromFile: ImageRule[] = [];
  if (settings.rulesConfig) {
    let text: string;
    try {
      text = await readFile(settings.rulesConfig, 'utf8');
    } catch (e) {
      throw new UsageError(`-rules-config: cannot read ${settings.rulesConfig}: ${describeError(e)}`);
    }
    fromFile = parseRulesConfig(text, settings.rulesConfig);
  }
  return compileRuleSets([
    { origin: 'spec.rules', rules: settings.rules },
    { origin: `rules-config ${settings.rulesConfig}`, rules: fromFile },
    ...(settings.defaultRules ? [DEFAULT_RULE_SET] : []),
  ]);
}

/** Runs every stage; stdout is the caller's, through emitOutput(result.output). */
export async function runPipeline(settings: RunSettings, input: Input | undefined, progress: CopyProgressReporter, log: Logger): Promise<PipelineResult> {
  const supply = supplySettings(settings);
  const registry = lazyRegistry(settings, log, supply);
  // A run that renames and copies: originals are resolved with the GET a copy needs anyway.
  const renames = settings.renameRemotePath !== '' || settings.staticJsonMappingsFile !== '' || settings.staticJsonMappingsImg !== '';
  const copies = renames && !settings.noCopy && !settings.dryRun && !settings.verifyOnly;
  const ctx: RemapContext = { registry, log, ...(supply.platform ? { platform: supply.platform } : {}), ...(copies ? { copies } : {}) };
  // Compile and check everything the user gave before touching the network, so bad config fails fast.
  const rules = input ? await loadRules(settings) : undefined;
  // -list-images: the inventory instead of a run; nothing below (lookups, copies, writes) happens.
  if (settings.listImages) {
    if (!input || !rules) throw new UsageError('-list-images lists the images in the manifests on stdin; it cannot be combined with -mappings-only');
    const inv = inventory(input, rules, settings);
    return inv.output ? { results: inv.results, output: checkOutput(inv.output) } : { results: inv.results };
  }
  const ignore = settings.ignore ? compileGoRegexp(settings.ignore, '-ignore') : undefined;
  if (settings.writeJsonMappingsFile && !settings.dryRun) await checkWritable('-write-json-mappings-file', settings.writeJsonMappingsFile);
  const writeImg = settings.writeJsonMappingsImg ? parseImageFlag('-write-json-mappings-img', settings.writeJsonMappingsImg) : undefined;
  const vulnPrepared = await prepareVulnStage(settings);
  await supply.checkWritable();
  const statics = await loadStaticMappings(settings, registry, log);
  if (settings.mappingsOnly && !statics) throw new UsageError('mappings-only requested, but no static mapping file or image specified');
  const chain = buildChain(settings, ignore, statics, log, progress, supply);

  const results: Result[] = [];
  const groups = new Map<string, Occurrence[]>();
  if (input && rules) {
    const found = collectOccurrences(input.resources, rules, settings.input, { findPodSpecs: settings.findPodSpecs, reportUncovered: settings.debug });
    pushAll(results, found.errors);
    pushAll(results, found.warnings);
    for (const [image, occs] of groupByImage(found.occurrences)) groups.set(image, occs);
  } else if (statics) {
    for (const image of Object.keys(statics.mappings)) groups.set(image, []);
  }

  const refs: Reference[] = [];
  for (const [image, occs] of groups) {
    // As in the Go tool, -ignore is tested on the raw string before parsing, so ignored oddities pass through.
    if (ignore?.test(image)) {
      groups.delete(image);
      continue;
    }
    try {
      refs.push(parseReference(image));
    } catch (e) {
      pushAll(results, failureResults(image, occs, describeError(e)));
      groups.delete(image);
    }
  }

  log.debug('distinct images', { count: refs.length });
  if (settings.verifyOnly) {
    pushAll(results, await verifyStage(settings, supply, refs, groups, statics?.mappings, ctx, log, vulnPrepared));
    if (hasErrors(results)) return { results };
    return { results, output: checkOutput(input ? outputPlan(input, verifiedOutput(input, results)) : { kind: 'none' }) };
  }
  // -write-kustomize-images: a list kustomize cannot express is refused before anything is copied.
  let kustomize: ReturnType<typeof supply.kustomizeImages>;
  const beforeEffects = (o: ReadonlyMap<string, RemapOutcome>): void => {
    kustomize = supply.kustomizeImages([...o].map(([original, outcome]) => ({ original, occurrences: [], outcome })));
  };
  const outcomes = await runChain(refs, chain, ctx, { forceDigest: supply.pin.forceDigest, keepTag: supply.pin.keepTag, concurrency: settings.concurrency, beforeEffects }).finally(() => progress.finish());
  const states: ImageState[] = [];
  for (const [image, outcome] of outcomes) {
    const occs = groups.get(image) ?? [];
    if (outcome.kind === 'failed') pushAll(results, failureResults(image, occs, describeError(outcome.error)));
    states.push({ original: image, occurrences: occs, outcome });
  }
  if (hasErrors(results)) return { results };

  const mappings = toMappings(outcomes);
  pushAll(results, await vulnStage(settings, states, mappings, log, vulnPrepared));
  if (hasErrors(results)) return { results };

  // Render before any side effect: a failure here must leave no mappings written and no attestation made.
  let output = checkOutput({ kind: 'none' });
  let summary: Record<string, number> = { images: states.length };
  if (input) {
    const out = renderOutput(input, states, { annotate: settings.annotate && settings.input === 'k8s', earlier: results.filter((r) => r.severity !== 'error'), fieldResults: input.mode === 'krm' || settings.debug });
    pushAll(results, out.results);
    if (hasErrors(results)) return { results };
    output = checkOutput(outputPlan(input, out.text));
    summary = { images: states.length, rewritten: out.rewrittenFields, resources: out.rewrittenResources };
  }

  // Look up the attestor and existing attestations (read-only) before any side effect.
  const attest = await planAttestStage(settings, states, log);
  pushAll(results, attest.results);
  if (hasErrors(results)) {
    await attest.close();
    return { results };
  }
  // The side effects, each fallible one before the next: attestations (they only vouch for digests that passed
  // every check), then the mappings image, then the files (checked writable at the start, replaced atomically).
  pushAll(results, await attest.create());
  if (hasErrors(results)) return { results };
  await writeMappings(settings, mappings, writeImg, registry, log);
  await kustomize?.write(settings.dryRun, log);
  log.info('done', summary);
  return { results, output };
}

/** What the output stage must print for this input: a ResourceList with as many items, or a stream. */
function outputPlan(input: Input, text: string): OutputPlan {
  if (input.mode === 'stream') return { kind: 'stream', text, nonEmpty: input.text !== '' };
  const items = (input.list.value as { items?: unknown } | null)?.items;
  return { kind: 'krm', text, items: Array.isArray(items) ? items.length : 0 };
}

function parseImageFlag(flag: string, value: string): Reference {
  try {
    return parseReference(value);
  } catch (e) {
    throw new UsageError(`invalid ${flag}: ${describeError(e)}`);
  }
}

async function writeMappings(settings: RunSettings, mappings: Mappings, img: Reference | undefined, registry: () => ImageRegistry, log: Logger): Promise<void> {
  if (!settings.writeJsonMappingsFile && !img) return;
  const json = serializeMappings(mappings, settings.mappingsFormat);
  if (settings.dryRun) {
    log.info('dry-run, will not write mappings', { entries: Object.keys(mappings).length });
    return;
  }
  if (img) {
    const digest = await registry().pushMappingsImage(img, json);
    log.info('pushed mappings image', { image: img.original, digest });
  }
  if (settings.writeJsonMappingsFile) {
    log.info('writing mappings file', { file: settings.writeJsonMappingsFile });
    await writeFileAtomic('-write-json-mappings-file', settings.writeJsonMappingsFile, json);
  }
}
