#!/usr/bin/env node
// Cold start of each shipped form, side by side in one run: the process (node dist/cli/main.js), the bundle
// under node, the single executable with and without V8's code cache, and the container (podman run). Each
// does the same two jobs: --version, and an offline rewrite of examples/manifests.yaml from static mappings.
// Prints medians and ratios against the process form; asserts nothing. Needs npm run build, binary and image.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const runs = Number(process.env.BENCH_RUNS || 7);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-bench-forms-'));
const noCache = path.join(tmp, 'reimage-no-code-cache');
execFileSync(process.execPath, [path.join(root, 'scripts', 'binary.js')], {
  env: { ...process.env, REIMAGE_SEA_CODE_CACHE: '0', REIMAGE_SEA_OUT: noCache },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const podmanEnv = {
  ...process.env,
  CONTAINERS_CONF: process.env.CONTAINERS_CONF || path.join(root, 'podman', 'containers.conf'),
  CONTAINERS_STORAGE_CONF: process.env.CONTAINERS_STORAGE_CONF || path.join(root, 'podman', 'storage.conf'),
};
const mappings = path.join(root, 'examples', 'mappings.json');
const input = fs.readFileSync(path.join(root, 'examples', 'manifests.yaml'));
const job = (m) => ['-static-json-mappings-file', m, '-verify-static-json-mappings=false', '-no-copy'];

const forms = [
  { name: 'process  node dist/cli/main.js', cmd: process.execPath, pre: [path.join(root, 'dist', 'cli', 'main.js')], m: mappings },
  { name: 'bundle   node dist/bundle/reimage.js', cmd: process.execPath, pre: [path.join(root, 'dist', 'bundle', 'reimage.js')], m: mappings },
  { name: 'binary   dist/reimage (code cache)', cmd: path.join(root, 'dist', 'reimage'), pre: [], m: mappings },
  { name: 'binary   without code cache', cmd: noCache, pre: [], m: mappings },
  {
    name: 'container podman run localhost/reimage:dev',
    cmd: 'podman',
    pre: ['run', '--rm', '-i', '--network', 'none', '-v', `${mappings}:/m.json:ro`, 'localhost/reimage:dev'],
    m: '/m.json',
    env: podmanEnv,
  },
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// Wall time, and CPU time (user+sys, from GNU time) which a busy machine disturbs less. A container's CPU is
// spent under conmon, not under the podman client, so only its wall time means anything.
const GNU_TIME = '/usr/bin/time';
const haveTime = fs.existsSync(GNU_TIME);

function time(form, args) {
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const argv = [...form.pre, ...args];
    const t = process.hrtime.bigint();
    const r = haveTime
      ? spawnSync(GNU_TIME, ['-f', 'BENCHCPU %U %S', form.cmd, ...argv], { input, env: form.env || process.env })
      : spawnSync(form.cmd, argv, { input, env: form.env || process.env });
    wall.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0) throw new Error(`${form.name} ${args[0]} failed: ${r.stderr}`);
    const m = /BENCHCPU ([\d.]+) ([\d.]+)/.exec(String(r.stderr));
    if (m) cpu.push((Number(m[1]) + Number(m[2])) * 1000);
  }
  return { wall: median(wall), cpu: cpu.length ? median(cpu) : NaN };
}

const rows = forms.map((f) => ({ name: f.name, version: time(f, ['--version']), rewrite: time(f, job(f.m)) }));
const base = rows[0];
console.log(`cold start, median of ${runs} runs: wall ms (ratio to the process form) / CPU ms`);
console.log(`${'form'.padEnd(44)}${'--version'.padStart(24)}${'offline rewrite'.padStart(24)}`);
for (const r of rows) {
  const cell = (v, b, container) => `${v.wall.toFixed(0)} (${(v.wall / b.wall).toFixed(2)}x) / ${container || Number.isNaN(v.cpu) ? '-' : v.cpu.toFixed(0)}`.padStart(24);
  const container = r.name.startsWith('container');
  console.log(`${r.name.padEnd(44)}${cell(r.version, base.version, container)}${cell(r.rewrite, base.rewrite, container)}`);
}
const size = (p) => `${(fs.statSync(p).size / 1e6).toFixed(1)} MB`;
console.log(`sizes: binary ${size(path.join(root, 'dist', 'reimage'))}, without code cache ${size(noCache)}, bundle ${size(path.join(root, 'dist', 'bundle', 'reimage.js'))}`);
fs.rmSync(tmp, { recursive: true, force: true });
