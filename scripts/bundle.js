#!/usr/bin/env node
// Bundles src/cli/main.ts and every dependency into one CommonJS file, dist/bundle/reimage.js, for the
// container image (no node_modules in it), the single executable (scripts/binary.js) and dist/cli/main.js, which
// runs it with a V8 code cache (src/cli/launch.ts) made here by a warm-up run when the tsc build is there. The
// container's entry, dist/bundle/container-main.js, is built from src/cli/container.ts (the same launcher).
// Lazy require()s stay lazy: esbuild wraps a required module in an init function run at the require call.
// The Google clients are bundled apart, as dist/bundle/google.js (src/cli/chunk.ts says why): every start reads
// and compiles the 0.5 MB the other runs need, not 4 MB.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'bundle', 'reimage.js');
const CACHE = `${OUT}.cache`;
/** The container image's entry (/app/main.js): src/cli/container.ts, which runs the bundle as dist/cli/main.js does. */
const CONTAINER_MAIN = path.join(ROOT, 'dist', 'bundle', 'container-main.js');
const ENTRY = path.join(ROOT, 'dist', 'cli', 'main.js');
/** GOOGLE_CHUNK of src/cli/chunk.ts, beside the bundle. */
const GOOGLE = path.join(ROOT, 'dist', 'bundle', 'google.js');
/** The packages bundled into GOOGLE: each require() of one in the bundle becomes chunkModule(name). */
const CHUNKED = ['google-gax', 'google-auth-library', '@google-cloud/grafeas', '@google-cloud/kms'];

/** Routes the bundle's require() of a CHUNKED package to src/cli/chunk.ts, which loads it from GOOGLE. */
const chunkPlugin = {
  name: 'google-chunk',
  setup(build) {
    const filter = new RegExp(`^(${CHUNKED.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'google-chunk' }));
    build.onLoad({ filter: /.*/, namespace: 'google-chunk' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(path.join(ROOT, 'src', 'cli', 'chunk.ts'))}).chunkModule(${JSON.stringify(args.path)});`,
      resolveDir: ROOT,
      loader: 'js',
    }));
  },
};

/**
 * The code cache holds what a run compiled: a rename + copy of two images between two in-memory registries
 * (scripts/warm-registry.js), so a copy's functions (registry client, HTTP client, hashing) come precompiled as
 * well as those of the rewrite itself; if that run fails, an offline rewrite of the example instead.
 * V8 takes a cache only under the flags it was made with, so NODE_OPTIONS is dropped (src/cli/v8flags.ts sets
 * the rest, as in every run).
 */
async function writeCodeCache() {
  const { execFile } = require('node:child_process');
  const env = { ...process.env, REIMAGE_WRITE_CODE_CACHE: '1' };
  delete env.NODE_OPTIONS;
  delete env.REIMAGE_BUNDLE;
  // Asynchronous: the registries answer from this process while the run waits on them.
  const runCli = (args, input) =>
    new Promise((resolve, reject) => {
      const child = execFile(process.execPath, [ENTRY, ...args], { env, maxBuffer: 16 << 20, timeout: 60_000 }, (e, _out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve()));
      child.stdin.end(input);
    });
  const { startRegistry } = require('./warm-registry');
  const [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  try {
    for (const repo of ['warm/a', 'warm/b']) src.seed(repo, 'v1');
    const input = ['a', 'b'].map((r) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${r}\nspec:\n  containers:\n  - name: c\n    image: ${src.host}/warm/${r}:v1\n`).join('---\n');
    await runCli(['-rename-remote-path', `${dst.host}/mirror`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:v1'], input);
  } catch (e) {
    process.stderr.write(`bundle: the copy warm-up failed, warming up offline instead: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    const args = ['-static-json-mappings-file', path.join(ROOT, 'examples', 'mappings.json'), '-verify-static-json-mappings=false', '-no-copy'];
    await runCli(args, fs.readFileSync(path.join(ROOT, 'examples', 'manifests.yaml')));
  } finally {
    await Promise.all([src.close(), dst.close()]);
  }
  if (!fs.existsSync(CACHE)) throw new Error(`the warm-up run wrote no ${path.relative(ROOT, CACHE)}`);
}

async function bundle() {
  fs.rmSync(CACHE, { force: true }); // a cache belongs to one bundle
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  // charset ascii: src/cli/launch.ts reads the bundle as latin1
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', charset: 'ascii', logLevel: 'warning', write: false };
  // The bundle and the Google chunk: everything the program runs.
  const shipped = {
    ...common,
    minify: true,
    keepNames: true, // error messages and instanceof checks by class name keep working
    legalComments: 'linked',
    // Optional peers that dependencies try inside try/catch; absent here, so they stay a failing require().
    external: ['encoding', 'supports-color', 'bufferutil', 'utf-8-validate'],
  };
  const [result, google, container] = await Promise.all([
    esbuild.build({
      ...shipped,
      entryPoints: [path.join(ROOT, 'src', 'cli', 'main.ts')],
      outfile: OUT,
      define: { REIMAGE_VERSION: JSON.stringify(pkg.version), REIMAGE_BUNDLED: 'true' },
      plugins: [chunkPlugin],
      metafile: true,
    }),
    esbuild.build({
      ...shipped,
      stdin: {
        contents: `module.exports = { ${CHUNKED.map((n) => `${JSON.stringify(n)}: () => require(${JSON.stringify(n)})`).join(', ')} };`,
        resolveDir: path.join(ROOT, 'src', 'cli'),
        sourcefile: 'google-chunk.js',
      },
      outfile: GOOGLE,
    }),
    esbuild.build({ ...common, entryPoints: [path.join(ROOT, 'src', 'cli', 'container.ts')], outfile: CONTAINER_MAIN }),
  ]);
  // atomic: a CLI starting meanwhile (parallel tests) reads the old bundle or the new one, never half of one
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  for (const f of [...result.outputFiles, ...google.outputFiles, ...container.outputFiles]) {
    const tmp = `${f.path}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, f.contents, { mode: f.path === OUT ? 0o755 : 0o644 });
    fs.renameSync(tmp, f.path);
  }
  fs.writeFileSync(OUT.replace(/\.js$/, '.meta.json'), JSON.stringify(result.metafile));
  // only a tsc build as new as this bundle runs it (src/cli/launch.ts); without one (image.sh, Dockerfile) no cache
  if (fs.existsSync(ENTRY) && fs.statSync(ENTRY).mtimeMs <= fs.statSync(OUT).mtimeMs) await writeCodeCache();
  return OUT;
}

module.exports = { bundle, OUT, CACHE, CONTAINER_MAIN, GOOGLE };

if (require.main === module) {
  bundle().then(
    (out) => process.stdout.write(`bundle: ${path.relative(ROOT, out)} ${(fs.statSync(out).size / 1e6).toFixed(1)} MB\n`),
    (e) => {
      process.stderr.write(`bundle: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
