// The Google clients (gax, grpc, auth, Grafeas, KMS) are 3.4 MB of what would be a 4 MB bundle, and only runs that
// talk to Google use them. scripts/bundle.js therefore bundles them apart, as dist/bundle/google.js, and routes the
// bundle's require() of each to chunkModule(). A start then reads, compiles and keeps 0.5 MB: a few ms of CPU, and
// an old space small enough that a 20-image copy ends before V8's first mark-compact (bench/registry-copy-notes.md,
// "Fifth pass"). Outside the bundle (tsc build, REIMAGE_BUNDLE=0) nothing here runs: the requires are plain.
import Module = require('node:module');
import * as path from 'node:path';
import * as vm from 'node:vm';
import { runCommonJs } from './launch';

/** The chunk's file name: beside the bundle, and the single executable's asset name. */
export const GOOGLE_CHUNK = 'google.js';

type Chunk = Record<string, (() => unknown) | undefined>;
let chunk: Chunk | undefined;

/** What require(`name`) gives, from the chunk (loaded on the first call). */
export function chunkModule(name: string): unknown {
  chunk ??= loadChunk();
  const get = chunk[name];
  if (get === undefined) throw new Error(`internal error: ${name} is not in ${GOOGLE_CHUNK}`);
  return get();
}

function loadChunk(): Chunk {
  const asset = seaAsset();
  if (asset !== undefined) {
    // In a Node single executable the chunk is an asset, run as if it lay beside the executable; its code requires
    // only Node's built-ins.
    const file = path.join(path.dirname(process.execPath), GOOGLE_CHUNK);
    return runCommonJs(new vm.Script(Module.wrap(asset), { filename: file }), file, process.execPath) as Chunk;
  }
  const file = path.join(__dirname, GOOGLE_CHUNK);
  try {
    return require(file) as Chunk;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && (e as Error).message.includes(file)) {
      throw new Error(`internal error: ${file} is missing (it ships beside the bundle and holds the Google clients)`);
    }
    throw e;
  }
}

interface Sea {
  isSea(): boolean;
  getAsset(key: string, encoding: string): string;
}

function seaAsset(): string | undefined {
  let sea: Sea;
  try {
    sea = require('node:sea') as Sea; // Node >= 20.12
  } catch {
    return undefined;
  }
  return sea.isSea() ? sea.getAsset(GOOGLE_CHUNK, 'utf8') : undefined;
}
