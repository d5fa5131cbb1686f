#!/usr/bin/env node
// Builds dist/reimage: one executable file (Node single-executable application) that needs no node_modules.
// Steps: esbuild bundle (scripts/bundle.js) -> SEA blob (node --experimental-sea-config, with V8 code cache, and the
// Google clients' chunk dist/bundle/google.js as an asset, which src/cli/chunk.ts reads; assets need Node >= 20.12)
// -> a copy of this node binary with the blob injected by postject.
// REIMAGE_SEA_NODE=/path/to/node picks another Node 20 binary to embed (it must carry the SEA fuse).
// REIMAGE_SEA_CODE_CACHE=0 builds without the code cache, REIMAGE_SEA_STRIP=0 keeps node's symbols (otherwise
// stripped when binutils' strip is there), REIMAGE_SEA_OUT=FILE elsewhere (bench/forms.js).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { bundle, OUT: BUNDLE, GOOGLE } = require('./bundle');

const ROOT = path.join(__dirname, '..');
const OUT = process.env.REIMAGE_SEA_OUT ? path.resolve(process.env.REIMAGE_SEA_OUT) : path.join(ROOT, 'dist', 'reimage');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Runs a build step; its chatter (postject warns about every ELF note section) is shown only when it fails. */
function quiet(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    process.stderr.write(`${e.stdout ?? ''}${e.stderr ?? ''}`);
    throw new Error(`${path.basename(cmd)} ${args.slice(0, 2).join(' ')} failed`);
  }
}

function hasStrip() {
  try {
    execFileSync('strip', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))));
}

/**
 * The bundle `npm run build` made, if nothing it is made from changed since; else a new one. Rebuilding a fresh
 * bundle would only redo its warm-up, and replace its code cache under a CLI that may be starting (tests).
 */
async function freshBundle() {
  const inputs = ['src', 'package.json', 'package-lock.json', 'scripts/bundle.js'].map((p) => newest(path.join(ROOT, p)));
  if ([BUNDLE, GOOGLE].every((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= Math.max(...inputs))) return BUNDLE;
  return bundle();
}

async function main() {
  const main = await freshBundle();
  const node = process.env.REIMAGE_SEA_NODE || process.execPath;
  const work = path.join(ROOT, 'dist', 'bundle');
  const blob = path.join(work, `sea-prep-${process.pid}.blob`);
  const config = path.join(work, `sea-config-${process.pid}.json`);
  fs.writeFileSync(
    config,
    JSON.stringify({
      main,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: process.env.REIMAGE_SEA_CODE_CACHE !== '0',
      useSnapshot: false,
      assets: { [path.basename(GOOGLE)]: GOOGLE },
    }),
  );
  quiet(node, ['--experimental-sea-config', config]);

  const tmp = `${OUT}.tmp-${process.pid}`;
  fs.copyFileSync(node, tmp);
  fs.chmodSync(tmp, 0o755);
  // Official Node builds carry their symbol table and debug info: 12 MB that nothing at run time reads.
  if (process.env.REIMAGE_SEA_STRIP !== '0' && hasStrip()) quiet('strip', [tmp]);
  quiet(process.execPath, [require.resolve('postject/dist/cli.js'), tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE]);
  fs.renameSync(tmp, OUT); // atomic: a half-written executable is never left at dist/reimage
  fs.rmSync(blob);
  fs.rmSync(config);
  const version = execFileSync(OUT, ['--version'], { encoding: 'utf8' }).trim();
  process.stdout.write(`binary: ${path.relative(ROOT, OUT)} ${(fs.statSync(OUT).size / 1e6).toFixed(1)} MB (${version})\n`);
}

main().catch((e) => {
  process.stderr.write(`binary: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
