#!/usr/bin/env node
// Bundles src/cli/main.ts and every dependency into one CommonJS file, dist/bundle/reimage.js, for the
// container image (no node_modules in it) and the single executable (scripts/binary.js).
// Lazy require()s stay lazy: esbuild wraps a required module in an init function run at the require call.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'bundle', 'reimage.js');

async function bundle() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, 'src', 'cli', 'main.ts')],
    outfile: OUT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    keepNames: true, // error messages and instanceof checks by class name keep working
    legalComments: 'linked',
    define: { REIMAGE_VERSION: JSON.stringify(pkg.version) },
    // Optional peers that dependencies try inside try/catch; absent here, so they stay a failing require().
    external: ['encoding', 'supports-color', 'bufferutil', 'utf-8-validate'],
    logLevel: 'warning',
    metafile: true,
  });
  fs.writeFileSync(OUT.replace(/\.js$/, '.meta.json'), JSON.stringify(result.metafile));
  return OUT;
}

module.exports = { bundle, OUT };

if (require.main === module) {
  bundle().then(
    (out) => process.stdout.write(`bundle: ${path.relative(ROOT, out)} ${(fs.statSync(out).size / 1e6).toFixed(1)} MB\n`),
    (e) => {
      process.stderr.write(`bundle: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
