#!/usr/bin/env node
// Vulnerability checks of 20 distinct images with a trivy stand-in that takes 200 ms per image
// (test/support/scanner.js --delay 200, mixed fixture), sequential (-concurrency 1) against the
// default parallelism. Runs the compiled dist/vuln (npx tsc -p tsconfig.build.json first).
// Prints the times and the ratio; asserts nothing.
'use strict';
const path = require('node:path');

const root = path.join(__dirname, '..');
const { checkImages } = require(path.join(root, 'dist', 'vuln'));
const scanner = path.join(root, 'test', 'support', 'scanner.js');
const N = Number(process.env.BENCH_IMAGES || 20);
const DELAY = Number(process.env.BENCH_SCAN_MS || 200);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

const images = Array.from({ length: N }, (_, i) => {
  const digest = `sha256:${i.toString(16).padStart(2, '0').repeat(32)}`;
  const context = `127.0.0.1:5000/bench/app-${i}`;
  return { original: `${context}@${digest}`, registry: '127.0.0.1:5000', repository: `bench/app-${i}`, tag: undefined, digest, context, identifier: digest, name: `${context}@${digest}` };
});

async function time(concurrency) {
  const opts = {
    vulncheckMethod: 'trivy', vulncheckMaxCvss: 7.5, vulncheckIgnoreCveList: [], vulncheckIgnoreImages: '',
    vulncheckTimeoutMs: 60_000, vulncheckMaxRetries: 20, trivyCommand: '', grafeasParent: '', grafeasEndpoint: '',
    concurrency, argv: [process.execPath, scanner, '--delay', String(DELAY), '--fixture', 'mixed'],
  };
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    const res = await checkImages(images, opts, silent);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const errors = [...res.values()].filter((v) => v.error);
    if (res.size !== N || errors.length) throw new Error(`unexpected results: ${errors.map((e) => e.error).join('; ')}`);
    best = Math.min(best, ms);
  }
  return best;
}

(async () => {
  const seq = await time(1);
  const par = await time(8);
  const wide = await time(N);
  console.log(`vuln check, ${N} images, scanner ${DELAY} ms each (node scanner process), best of ${RUNS}:`);
  console.log(`  sequential (concurrency 1):  ${seq.toFixed(0)} ms`);
  console.log(`  parallel   (concurrency 8):  ${par.toFixed(0)} ms   speed-up ${(seq / par).toFixed(2)}x`);
  console.log(`  parallel   (concurrency ${N}): ${wide.toFixed(0)} ms   speed-up ${(seq / wide).toFixed(2)}x`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
