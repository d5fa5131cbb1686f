#!/usr/bin/env node
// Copy bench: N multi-arch images (2 platforms, a few MB each) from one local registry to another.
//   - reimage's registry client: all N copies started at once (the client bounds its own concurrency)
//   - a sequential `skopeo copy --all` loop over the same images
//   Each round copies into fresh target registries; the order alternates between rounds so page-cache
//   and CPU-frequency effects do not favour one side. Reported: median wall times and their ratio.
//   - then reimage again with everything present at the target: blob uploads must be 0.
// Target: ours/skopeo <= 0.5. Exits 1 only if the all-present re-run uploads a blob or a digest differs.
// Run after `npm run build`. Env: BENCH_IMAGES (20), BENCH_LAYER_BYTES (1500000), BENCH_LAYERS (2 per
// platform), BENCH_RUNS (3), BENCH_CONCURRENCY (client option; default: the client's).
'use strict';
const { support, loadClient, parseReference, logger, ms, pool, runBench } = require('./registry-lib');

const N = Number(process.env.BENCH_IMAGES || 20);
const LAYER_BYTES = Number(process.env.BENCH_LAYER_BYTES || 1_500_000);
const LAYERS = Number(process.env.BENCH_LAYERS || 2);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? Number(process.env.BENCH_CONCURRENCY) : undefined;

const fmt = (msv) => `${(msv / 1000).toFixed(2)} s`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const { startRegistry } = support.registry;
  const { pushTestImage, skopeoCopy } = support.images;
  const { createRegistryClient } = loadClient();
  const newClient = () => createRegistryClient({ log: logger, ...(CONCURRENCY !== undefined ? { concurrency: CONCURRENCY } : {}) });

  const src = await startRegistry();
  const mb = (N * 2 * LAYERS * LAYER_BYTES) / 1e6;
  process.stdout.write(`copy bench: ${N} images x 2 platforms x ${LAYERS} layers x ${(LAYER_BYTES / 1e6).toFixed(1)} MB = ${mb.toFixed(0)} MB of layers, ${RUNS} rounds\n`);
  const t0 = process.hrtime.bigint();
  const ids = Array.from({ length: N }, (_, i) => i);
  const images = await pool(ids, 4, (i) => pushTestImage(src, `bench/app-${i}`, 'v1', { platforms: 2, layers: LAYERS, layerBytes: LAYER_BYTES }));
  process.stdout.write(`  sources pushed in ${fmt(ms(t0))}\n`);

  const ours = async (dst) => {
    const client = newClient();
    const t = process.hrtime.bigint();
    const stats = await Promise.all(
      ids.map((i) => client.copy(parseReference(images[i].ref), parseReference(`${dst.host}/mirror/app-${i}:v1`), { noClobber: false })),
    );
    const took = ms(t);
    stats.forEach((s, i) => {
      if (s.digest !== images[i].digest) throw new Error(`reimage copy of app-${i} gave ${s.digest}, want ${images[i].digest}`);
    });
    return { took, stats };
  };
  const skopeo = async (dst) => {
    const t = process.hrtime.bigint();
    for (const i of ids) {
      const d = await skopeoCopy({ reg: src, ref: `bench/app-${i}:v1` }, { reg: dst, ref: `mirror/app-${i}:v1` }, { all: true });
      if (d !== images[i].digest) throw new Error(`skopeo copy of app-${i} gave ${d}, want ${images[i].digest}`);
    }
    return ms(t);
  };

  const oursTimes = [];
  const skopeoTimes = [];
  let lastOurs;
  let lastStats;
  for (let round = 0; round < RUNS; round++) {
    const [dstOurs, dstSkopeo] = await Promise.all([startRegistry(), startRegistry()]);
    const runOurs = async () => {
      const r = await ours(dstOurs);
      oursTimes.push(r.took);
      lastStats = r.stats;
    };
    const runSkopeo = async () => skopeoTimes.push(await skopeo(dstSkopeo));
    if (round % 2 === 0) {
      await runOurs();
      await runSkopeo();
    } else {
      await runSkopeo();
      await runOurs();
    }
    process.stdout.write(`  round ${round + 1}: reimage ${fmt(oursTimes[round])}, skopeo ${fmt(skopeoTimes[round])}\n`);
    if (lastOurs) await lastOurs.stop();
    lastOurs = dstOurs;
    await dstSkopeo.stop();
  }
  const uploadsLogged = await lastOurs.blobUploadCount();
  const uploadedByStats = lastStats.reduce((n, s) => n + s.blobsUploaded, 0);

  // everything present now: a fresh client (no cached answers) copies again
  await lastOurs.resetAccessLog();
  const again = await ours(lastOurs);
  const uploadsPresent = await lastOurs.blobUploadCount();
  const requestsPresent = await lastOurs.requestCount();
  const uploadedAgain = again.stats.reduce((n, s) => n + s.blobsUploaded, 0);

  const o = median(oursTimes);
  const s = median(skopeoTimes);
  const ratio = o / s;
  process.stdout.write(
    [
      '',
      `  reimage client, parallel (median):     ${fmt(o)}  (${uploadsLogged} blob uploads in the registry log, ${uploadedByStats} by CopyStats)`,
      `  skopeo copy --all, sequential (median): ${fmt(s)}`,
      `  ratio reimage/skopeo:                   ${ratio.toFixed(2)}  (target <= 0.50) ${ratio <= 0.5 ? 'OK' : 'MISSED'}`,
      `  re-run with everything present:         ${fmt(again.took)}  (${uploadsPresent} blob uploads, ${uploadedAgain} by CopyStats, ${requestsPresent} requests to the target) ${uploadsPresent === 0 && uploadedAgain === 0 ? 'OK' : 'FAIL'}`,
      '',
    ].join('\n'),
  );
  if (uploadsPresent !== 0 || uploadedAgain !== 0) process.exitCode = 1;
}

runBench(main);
