#!/usr/bin/env node
// Copy bench: N multi-arch images (2 platforms, a few MB each) between two local registries.
//   1. reimage's registry client, all images in parallel (the client bounds concurrency itself)
//   2. a sequential `skopeo copy --all` loop, the same images, into a third fresh registry
//   3. reimage again with everything present at the target: blob uploads must be 0
// Prints wall times and the ratio ours/skopeo (target <= 0.5). Exits 1 if a check fails.
// Run after `npm run build`. Env: BENCH_IMAGES (20), BENCH_LAYER_BYTES (1500000 per platform),
// BENCH_LAYERS (2 per platform), BENCH_CONCURRENCY (client default).
'use strict';
const { support, loadClient, parseReference, logger, ms, runBench } = require('./registry-lib');

const N = Number(process.env.BENCH_IMAGES || 20);
const LAYER_BYTES = Number(process.env.BENCH_LAYER_BYTES || 1_500_000);
const LAYERS = Number(process.env.BENCH_LAYERS || 2);
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? Number(process.env.BENCH_CONCURRENCY) : undefined;

function fmt(msv) {
  return `${(msv / 1000).toFixed(2)} s`;
}

async function main() {
  const { startRegistry } = support.registry;
  const { pushTestImage, skopeoCopy } = support.images;
  const { createRegistryClient } = loadClient();

  const [src, dstOurs, dstSkopeo] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  const mb = (N * 2 * LAYERS * LAYER_BYTES) / 1e6;
  process.stdout.write(`preparing ${N} images x 2 platforms x ${LAYERS} layers x ${(LAYER_BYTES / 1e6).toFixed(1)} MB (${mb.toFixed(0)} MB of layers)\n`);
  const t0 = process.hrtime.bigint();
  const images = [];
  for (let i = 0; i < N; i++) {
    images.push(await pushTestImage(src, `bench/app-${i}`, 'v1', { platforms: 2, layers: LAYERS, layerBytes: LAYER_BYTES }));
  }
  process.stdout.write(`  pushed sources in ${fmt(ms(t0))}\n`);

  const newClient = () =>
    createRegistryClient({ log: logger, ...(CONCURRENCY !== undefined ? { concurrency: CONCURRENCY } : {}) });
  const pairs = images.map((img, i) => ({
    src: parseReference(img.ref),
    dst: parseReference(`${dstOurs.host}/mirror/app-${i}:v1`),
    digest: img.digest,
  }));

  // 1. ours, parallel
  await dstOurs.resetAccessLog();
  let client = newClient();
  const t1 = process.hrtime.bigint();
  const stats = await Promise.all(pairs.map((p) => client.copy(p.src, p.dst, { noClobber: false })));
  const oursMs = ms(t1);
  const uploadedByStats = stats.reduce((n, s) => n + s.blobsUploaded, 0);
  const bytes = stats.reduce((n, s) => n + s.bytesUploaded, 0);
  const uploadsLogged = await dstOurs.blobUploadCount();
  const bad = stats.filter((s, i) => s.digest !== pairs[i].digest);
  if (bad.length > 0) throw new Error(`${bad.length} copies reported a digest other than the source's`);

  // 2. skopeo, sequential
  const t2 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const d = await skopeoCopy({ reg: src, ref: `bench/app-${i}:v1` }, { reg: dstSkopeo, ref: `mirror/app-${i}:v1` }, { all: true });
    if (d !== images[i].digest) throw new Error(`skopeo copy of app-${i} gave ${d}, want ${images[i].digest}`);
  }
  const skopeoMs = ms(t2);

  // 3. ours again, everything present (fresh client: no cached answers)
  await dstOurs.resetAccessLog();
  client = newClient();
  const t3 = process.hrtime.bigint();
  const again = await Promise.all(pairs.map((p) => client.copy(p.src, p.dst, { noClobber: true })));
  const presentMs = ms(t3);
  const uploadsPresent = await dstOurs.blobUploadCount();
  const requestsPresent = await dstOurs.requestCount();
  const uploadedAgain = again.reduce((n, s) => n + s.blobsUploaded, 0);

  const ratio = oursMs / skopeoMs;
  const lines = [
    '',
    `copy ${N} images (2 platforms, ${mb.toFixed(0)} MB of layers)`,
    `  reimage client, parallel:      ${fmt(oursMs)}  (${uploadsLogged} blob uploads in the registry log, ${uploadedByStats} by CopyStats, ${(bytes / 1e6).toFixed(1)} MB)`,
    `  skopeo copy --all, sequential: ${fmt(skopeoMs)}`,
    `  ratio ours/skopeo:             ${ratio.toFixed(2)}  (target <= 0.50) ${ratio <= 0.5 ? 'OK' : 'MISSED'}`,
    `  re-run, all present:           ${fmt(presentMs)}  (${uploadsPresent} blob uploads, ${uploadedAgain} by CopyStats; ${requestsPresent} requests to the target)  ${uploadsPresent === 0 ? 'OK' : 'FAIL'}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  if (uploadsPresent !== 0 || uploadedAgain !== 0) process.exitCode = 1;
}

runBench(main);
