import { readFile, writeFile } from 'node:fs/promises';
import type { ImageRule, Options } from '../cli/options';
import { parseFlags, resolveOptions } from '../cli/config';
import { compileGoRegexp } from '../gocompat/regexp';
import { hasErrors, formatResult } from '../krm/results';
import type { Result } from '../krm/results';
import { compileRules, DEFAULT_RULES, parseRulesConfig } from '../manifest';
import type { CompiledRules } from '../manifest';
import { serializeMappings } from '../mappings/format';
import type { Mappings } from '../mappings/format';
import { parseReference } from '../reference';
import { compileTemplate, RENAME_FIELDS } from '../reference/template';
import type { Reference } from '../reference/types';
import { ensureRemapper, ignoreRemapper, renameRemapper, runChain, staticRemapper, toMappings } from '../remap';
import type { Remapper, RemapContext, RemapOutcome } from '../remap';
import type { ImageRegistry } from '../registry/types';
import { describeError, UsageError } from '../util/errors';
import { createLogger } from '../util/log';
import type { Logger } from '../util/log';
import { readInput } from './input';
import type { Input } from './input';
import { collectOccurrences, groupByImage } from './occurrences';
import type { Occurrence } from './occurrences';
import { renderOutput } from './output';
import { loadStaticMappings } from './static-mappings';
import { copyProgress } from './progress';
import type { CopyProgressReporter } from './progress';
import { attestStage, vulnStage } from './checks';
import { failureResults } from './failures';

export interface Io {
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The stream behind stderr, when it may be a terminal (live copy progress) */
  stderrStream?: { isTTY?: boolean; write(s: string): unknown };
}

/** One image as the pipeline sees it: where it is used and what became of it. */
export interface ImageState {
  original: string;
  occurrences: Occurrence[];
  outcome: RemapOutcome;
}

/** The whole run (--help/--version are answered by cli/main). Returns the exit code; stdout is written once, and only when every stage succeeded. */
export async function run(argv: string[], io: Io): Promise<number> {
  // Log lines go through the progress reporter, so a live copy line on a terminal is never torn.
  let log = createLogger('info', io.stderr);
  const progress = copyProgress(io.stderrStream ?? { write: io.stderr }, () => log);
  try {
    const flags = parseFlags(argv);
    // -mappings-only reads no YAML, so it must not wait on a terminal's stdin.
    const input = flags.options.mappingsOnly ? undefined : readInput(await io.readStdin());
    const { options, warnings } = resolveOptions(argv, input?.mode === 'krm' ? input.functionConfig : undefined);
    log = createLogger(options.debug ? 'debug' : 'info', (line) => progress.write(line));
    for (const w of warnings) log.info(w);
    if (options.mappingsOnly && input) throw new UsageError('mappings-only cannot be set in a FunctionConfig: it reads no manifests');
    const results = await execute(options, input, { ...io, progress }, log);
    for (const r of results) if (r.severity !== 'info' || options.debug) io.stderr(formatResult(r) + '\n');
    return hasErrors(results) ? 1 : 0;
  } catch (e) {
    io.stderr(`reimage: error: ${describeError(e)}\n`);
    if (process.env['REIMAGE_STACK'] && e instanceof Error) io.stderr(`${e.stack}\n`);
    return 1;
  }
}

function lazyRegistry(options: Options, log: Logger): () => ImageRegistry {
  let client: ImageRegistry | undefined;
  return () => {
    // Loaded on first use: offline runs never pay for the registry stack.
    if (client) return client;
    const registry = require('../registry') as typeof import('../registry');
    client = registry.createRegistryClient({
      log,
      insecureRegistries: options.insecureRegistries,
      concurrency: options.concurrency,
      timeoutMs: options.registryTimeoutMs,
      retry: { ...registry.DEFAULT_RETRY, attempts: options.registryAttempts },
    });
    return client;
  };
}

function buildChain(options: Options, ignore: RegExp | undefined, staticMappings: Mappings | undefined, log: Logger, progress: CopyProgressReporter): Remapper[] {
  const chain: Remapper[] = [];
  if (ignore) chain.push(ignoreRemapper(ignore));
  if (staticMappings) {
    chain.push(staticRemapper(staticMappings));
  } else if (options.renameRemotePath) {
    chain.push(
      renameRemapper({
        ignore: options.renameIgnore ? compileGoRegexp(options.renameIgnore, '-rename-ignore') : undefined,
        remotePath: options.renameRemotePath,
        template: compileTemplate(options.renameTemplate, RENAME_FIELDS),
      }),
    );
  }
  if (!options.noCopy) {
    chain.push(
      ensureRemapper({
        noClobber: !options.clobber,
        dryRun: options.dryRun,
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
async function loadRules(options: Options): Promise<CompiledRules> {
  let fromFile: ImageRule[] = [];
  if (options.rulesConfig) {
    let text: string;
    try {
      text = await readFile(options.rulesConfig, 'utf8');
    } catch (e) {
      throw new UsageError(`-rules-config: cannot read ${options.rulesConfig}: ${describeError(e)}`);
    }
    fromFile = parseRulesConfig(text, options.rulesConfig);
  }
  return compileRules([...options.rules, ...fromFile, ...DEFAULT_RULES]);
}

async function execute(options: Options, input: Input | undefined, io: Io & { progress: CopyProgressReporter }, log: Logger): Promise<Result[]> {
  const registry = lazyRegistry(options, log);
  const ctx: RemapContext = { registry, log };
  // Compile everything the user gave us before touching the network, so bad config fails fast.
  const rules = input ? await loadRules(options) : undefined;
  const ignore = options.ignore ? compileGoRegexp(options.ignore, '-ignore') : undefined;
  const staticMappings = await loadStaticMappings(options, registry, log);
  if (options.mappingsOnly && !staticMappings) throw new UsageError('mappings-only requested, but no static mapping file or image specified');
  const progress = io.progress;
  const chain = buildChain(options, ignore, staticMappings, log, progress);

  const results: Result[] = [];
  const groups = new Map<string, Occurrence[]>();
  if (input && rules) {
    const found = collectOccurrences(input.resources, rules, options.input);
    results.push(...found.errors);
    for (const [image, occs] of groupByImage(found.occurrences)) groups.set(image, occs);
  } else if (staticMappings) {
    for (const image of Object.keys(staticMappings)) groups.set(image, []);
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
      results.push(...failureResults(image, occs, describeError(e)));
      groups.delete(image);
    }
  }

  log.debug('distinct images', { count: refs.length });
  const outcomes = await runChain(refs, chain, ctx, { forceDigest: options.renameForceDigest, concurrency: options.concurrency }).finally(() => progress.finish());
  const states: ImageState[] = [];
  for (const [image, outcome] of outcomes) {
    const occs = groups.get(image) ?? [];
    if (outcome.kind === 'failed') results.push(...failureResults(image, occs, describeError(outcome.error)));
    states.push({ original: image, occurrences: occs, outcome });
  }
  if (hasErrors(results)) return results;

  const mappings = toMappings(outcomes);
  results.push(...(await vulnStage(options, states, mappings, log)));
  if (hasErrors(results)) return results;

  await writeMappings(options, mappings, registry, log);

  results.push(...(await attestStage(options, states, log)));
  if (hasErrors(results)) return results;

  if (input) {
    const out = renderOutput(input, states);
    results.push(...out.results);
    io.stdout(out.text);
    log.info('done', { images: states.length, rewritten: out.rewrittenFields, resources: out.rewrittenResources });
  }
  return results;
}

async function writeMappings(options: Options, mappings: Mappings, registry: () => ImageRegistry, log: Logger): Promise<void> {
  if (!options.writeJsonMappingsFile && !options.writeJsonMappingsImg) return;
  const json = serializeMappings(mappings);
  if (options.dryRun) {
    log.info('dry-run, will not write mappings', { entries: Object.keys(mappings).length });
    return;
  }
  if (options.writeJsonMappingsFile) {
    log.info('writing mappings file', { file: options.writeJsonMappingsFile });
    await writeFile(options.writeJsonMappingsFile, json, { mode: 0o600 });
  }
  if (options.writeJsonMappingsImg) {
    const digest = await registry().pushMappingsImage(parseReference(options.writeJsonMappingsImg), json);
    log.info('pushed mappings image', { image: options.writeJsonMappingsImg, digest });
  }
}

