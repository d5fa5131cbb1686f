// Runs the esbuild bundle (scripts/bundle.js) with a V8 code cache made at build time: one file whose functions
// come precompiled instead of ~140 modules resolved, read and compiled on every start (about 0.05 s CPU less).
// Without the cache, or with one V8 rejects (another node, other V8 flags), the bundle compiles as usual.
import * as fs from 'node:fs';
import Module = require('node:module');
import * as path from 'node:path';
import * as vm from 'node:vm';

export interface BundleRun {
  /** undefined: no usable cache file; false: V8 took it; true: V8 rejected it */
  cacheRejected: boolean | undefined;
}

function mtime(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Runs `file` as the main module unless REIMAGE_BUNDLE=0 or it is older than `entry` (a tsc-only build after the
 * bundle: running the bundle would run older code). Without an `entry` (the container, src/cli/container.ts) the
 * bundle is all there is: it always runs. The cache (`file`.cache) counts only if made after the bundle.
 * REIMAGE_WRITE_CODE_CACHE=1 writes the cache when the process exits (after the run, so that the functions it
 * compiled lazily are in it too): scripts/bundle.js does that once per build.
 */
export function runBundle(file: string, entry: string | undefined, opts: { modulePaths?: string[] } = {}): BundleRun | undefined {
  if (entry !== undefined && process.env['REIMAGE_BUNDLE'] === '0') return undefined;
  const built = mtime(file);
  const entryBuilt = entry === undefined ? undefined : mtime(entry);
  if (built === undefined || (entryBuilt !== undefined && built < entryBuilt)) return undefined;
  const cacheFile = `${file}.cache`;
  const writeCache = process.env['REIMAGE_WRITE_CODE_CACHE'] === '1';
  let cachedData: Buffer | undefined;
  if (!writeCache && (mtime(cacheFile) ?? -Infinity) >= built) {
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      // compile from source
    }
  }
  // latin1: the bundle is ASCII (esbuild charset 'ascii') and 4 MB decode twice as fast so (2 ms).
  // A shebang is only valid at the very start; `//` keeps the length V8 checks the cache against.
  const source = fs.readFileSync(file, 'latin1').replace(/^#!/, '//');
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const run = { cacheRejected: cachedData === undefined ? undefined : script.cachedDataRejected === true };
  if (process.env['REIMAGE_DEBUG_CODE_CACHE'] === '1') process.stderr.write(`reimage: code cache ${run.cacheRejected === undefined ? 'absent' : run.cacheRejected ? 'rejected' : 'used'}\n`);
  if (writeCache) {
    process.on('exit', () => {
      const tmp = `${cacheFile}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    });
  }
  runCommonJs(script, file, file, opts.modulePaths);
  return run;
}

/**
 * Runs `script` (CommonJS source wrapped by Module.wrap) as the module `file`, its require() resolving from
 * `requireFrom`; returns its exports. For the bundle here and for the Google chunk in the single executable.
 */
export function runCommonJs(script: vm.Script, file: string, requireFrom: string, modulePaths?: string[]): unknown {
  const mod = new Module(file, module);
  mod.filename = file;
  if (modulePaths) mod.paths = modulePaths;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(requireFrom), mod, file, path.dirname(file));
  return mod.exports;
}
