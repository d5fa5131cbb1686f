'use strict';
// Entry point of the container image: runs the bundle (/app/reimage.js) with a V8 code cache made when the image
// was built (REIMAGE_WRITE_CODE_CACHE=1), the same trick the single executable uses (useCodeCache). Without a
// cache, or with one V8 rejects (another Node), the bundle just compiles as usual.
// The bundle's V8 flags (src/cli/v8flags.ts V8_FLAGS), set before it is compiled: V8 takes a code cache only under
// the flags it was made with, and the bundle sets them again as it starts.
require('node:v8').setFlagsFromString('--interrupt-budget=1081344');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, 'reimage.js');
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  // no cache: compile from source
}
const source = fs.readFileSync(file, 'utf8').replace(/^#!/, '//'); // a shebang is only valid at the very start
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
if (process.env.REIMAGE_DEBUG_CODE_CACHE === '1') {
  // as src/cli/launch.ts
  process.stderr.write(`reimage: code cache ${cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used'}\n`);
}
const mod = new Module(file, module);
mod.filename = file;
mod.paths = [];
const run = script.runInThisContext();
if (process.env.REIMAGE_WRITE_CODE_CACHE === '1') {
  // after the run, so the functions it compiled lazily are in the cache too
  process.on('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));
}
run.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, __dirname);
