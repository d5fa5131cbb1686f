#!/usr/bin/env node
// Copy bench: two-platform images between two local docker-registry instances, for layer sizes from 1 MB
// to 64 MB, copied by
//   - the reimage CLI (one process: -rename-remote-path over a manifest naming every image), and
//   - a sequential `skopeo copy --all` loop over the same images (one process per image, each under its own
//     /usr/bin/time and summed, so per-invocation start-up counts as in a user's shell loop; plain HTTP on
//     both sides as for reimage, --src/--dest-tls-verify=false, --insecure-policy, --quiet, an empty HOME),
// each under /usr/bin/time, into fresh target registries, in alternating order. Reported per size: the
// median wall, CPU (user + sys, the robust figure on a shared machine) and peak RSS of each side, and the
// ratios reimage/skopeo. Targets: CPU <= 0.45, wall <= 0.50; peak RSS must not grow with the layer size.
// Then reimage runs again onto a full target: it must upload 0 blobs. Exits 1 on a wrong digest or an
// upload on the re-run; ratios are printed, not asserted.
// Run after `npm run build`. Env: BENCH_SIZES (MB, default "1,4,16,64"), BENCH_RUNS (3), BENCH_IMAGES
// (images at 1 MB, default 20; fewer for larger layers so a size stays near 160 MB), BENCH_CPU_PROF (dir:
// run reimage with --cpu-prof there).
'use strict';
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { support, cliPath, pool, runBench } = require('./registry-lib');

const SIZES = (process.env.BENCH_SIZES || '1,4,16,64').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const IMAGES_AT_1MB = Number(process.env.BENCH_IMAGES || 20);
const PROF = process.env.BENCH_CPU_PROF;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs a command under /usr/bin/time; resolves {wall, cpu, rssMb, stdout}. */
function timed(cmd, args, { stdin, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/time', ['-f', 'TIME %e %U %S %M', cmd, ...args], { env: env || process.env, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(stderr);
      if (err || !m) return reject(new Error(`${cmd} ${args.join(' ')} failed: ${err ? err.message : ''}\n${stderr.slice(-2000)}`));
      resolve({ wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMb: Number(m[4]) / 1024, stdout });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin || '');
  });
}

const manifestFor = (refs) =>
  refs
    .map((r, i) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\nspec:\n  containers:\n  - name: c\n    image: ${r}\n`)
    .join('---\n');

async function skopeoLoop(images, dst, home) {
  const out = { wall: 0, cpu: 0, rssMb: 0 };
  const t0 = process.hrtime.bigint();
  for (const img of images) {
    const repo = img.ref.slice(img.ref.indexOf('/') + 1);
    const r = await timed('skopeo', [
      '--insecure-policy', 'copy', '--quiet', '--all', '--src-tls-verify=false', '--dest-tls-verify=false',
      `docker://${img.ref}`, `docker://${dst.host}/mirror/${repo}`,
    ], { env: { PATH: process.env.PATH, HOME: home, TMPDIR: home } });
    out.cpu += r.cpu;
    out.rssMb = Math.max(out.rssMb, r.rssMb);
  }
  out.wall = Number(process.hrtime.bigint() - t0) / 1e9;
  return out;
}

async function reimage(images, dst, round) {
  const args = [
    ...(PROF ? [`--cpu-prof`, `--cpu-prof-dir=${PROF}`, `--cpu-prof-name=reimage-${round}.cpuprofile`] : []),
    cliPath, '-rename-remote-path', `${dst.host}/mirror`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:v1',
  ];
  const r = await timed(process.execPath, args, { stdin: manifestFor(images.map((i) => i.ref)) });
  for (const img of images) {
    const repo = img.ref.slice(img.ref.indexOf('/') + 1);
    if (!r.stdout.includes(`image: ${dst.host}/mirror/${repo}`)) throw new Error(`reimage output lacks ${repo}`);
  }
  return r;
}

async function checkDigests(images, dst) {
  for (const img of images) {
    const repo = img.ref.slice(img.ref.indexOf('/') + 1);
    const got = (await support.images.inspectRaw(dst, `mirror/${repo}`)).digest;
    if (got !== img.digest) throw new Error(`${dst.host}/mirror/${repo} is ${got}, want ${img.digest}`);
  }
}

async function benchSize(src, sizeMb, home) {
  const layerBytes = Math.round(sizeMb * 1e6);
  const layers = sizeMb >= 16 ? 1 : 2;
  const n = Math.max(2, Math.min(IMAGES_AT_1MB, Math.floor((IMAGES_AT_1MB * 8) / (2 * layers * sizeMb))));
  const images = await pool(Array.from({ length: n }, (_, i) => i), 4, (i) =>
    support.images.pushTestImage(src, `bench${sizeMb}/app-${i}`, 'v1', { platforms: 2, layers, layerBytes }),
  );
  const totalMb = (n * 2 * layers * layerBytes) / 1e6;
  process.stdout.write(`\n${sizeMb} MB layers: ${n} images x 2 platforms x ${layers} layer(s) = ${totalMb.toFixed(0)} MB, ${RUNS} rounds\n`);
  const ours = [];
  const theirs = [];
  let last;
  for (let round = 0; round < RUNS; round++) {
    const [a, b] = await Promise.all([support.registry.startRegistry(), support.registry.startRegistry()]);
    const runOurs = async () => ours.push(await reimage(images, a, `${sizeMb}mb-${round}`));
    const runTheirs = async () => theirs.push(await skopeoLoop(images, b, home));
    if (round % 2 === 0) {
      await runOurs();
      await runTheirs();
    } else {
      await runTheirs();
      await runOurs();
    }
    const o = ours[round];
    const t = theirs[round];
    process.stdout.write(`  round ${round + 1}: reimage wall ${o.wall.toFixed(2)} s cpu ${o.cpu.toFixed(2)} s rss ${o.rssMb.toFixed(0)} MB | skopeo wall ${t.wall.toFixed(2)} s cpu ${t.cpu.toFixed(2)} s rss ${t.rssMb.toFixed(0)} MB\n`);
    if (round === 0) await Promise.all([checkDigests(images, a), checkDigests(images, b)]);
    await b.stop();
    if (last) await last.stop();
    last = a;
  }
  await last.resetAccessLog();
  const again = await reimage(images, last, `${sizeMb}mb-rerun`);
  const uploads = await last.blobUploadCount();
  await last.stop();
  const m = (xs, k) => median(xs.map((x) => x[k]));
  const row = {
    sizeMb, totalMb, n, layers,
    ours: { wall: m(ours, 'wall'), cpu: m(ours, 'cpu'), rssMb: m(ours, 'rssMb') },
    theirs: { wall: m(theirs, 'wall'), cpu: m(theirs, 'cpu'), rssMb: m(theirs, 'rssMb') },
    rerun: { wall: again.wall, cpu: again.cpu, uploads },
  };
  process.stdout.write(`  re-run onto a full target: wall ${again.wall.toFixed(2)} s, cpu ${again.cpu.toFixed(2)} s, ${uploads} blob uploads ${uploads === 0 ? 'OK' : 'FAIL'}\n`);
  if (uploads !== 0) process.exitCode = 1;
  return row;
}

async function main() {
  const home = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'reimage-bench-skopeo-'));
  process.once('exit', () => fs.rmSync(home, { recursive: true, force: true }));
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
  const src = await support.registry.startRegistry();
  const rows = [];
  for (const size of SIZES) rows.push(await benchSize(src, size, home));
  const f = (x, d = 2) => x.toFixed(d);
  const lines = [
    '',
    'medians (reimage vs sequential skopeo copy --all loop, same images, same run):',
    '| layer | MB copied | reimage wall / CPU / RSS | skopeo wall / CPU / RSS | wall ratio | CPU ratio | RSS ratio |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.sizeMb} MB | ${f(r.totalMb, 0)} | ${f(r.ours.wall)} s / ${f(r.ours.cpu)} s / ${f(r.ours.rssMb, 0)} MB | ${f(r.theirs.wall)} s / ${f(r.theirs.cpu)} s / ${f(r.theirs.rssMb, 0)} MB | ` +
        `${f(r.ours.wall / r.theirs.wall)} | ${f(r.ours.cpu / r.theirs.cpu)} | ${f(r.ours.rssMb / r.theirs.rssMb)} |`,
    );
  }
  const worst = (k) => Math.max(...rows.map((r) => r.ours[k] / r.theirs[k]));
  lines.push(
    '',
    `worst CPU ratio ${f(worst('cpu'))} (target <= 0.45) ${worst('cpu') <= 0.45 ? 'OK' : 'MISSED'}; worst wall ratio ${f(worst('wall'))} (target <= 0.50) ${worst('wall') <= 0.5 ? 'OK' : 'MISSED'}`,
    `reimage peak RSS from ${f(rows[0].ours.rssMb, 0)} MB (${rows[0].sizeMb} MB layers) to ${f(rows[rows.length - 1].ours.rssMb, 0)} MB (${rows[rows.length - 1].sizeMb} MB layers)`,
    '',
  );
  process.stdout.write(lines.join('\n'));
  await src.stop();
}

runBench(main);
