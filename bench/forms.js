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

function time(form, args) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(form.cmd, [...form.pre, ...args], { input, env: form.env || process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`${form.name} ${args[0]} failed: ${r.stderr}`);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(ms);
}

const rows = forms.map((f) => ({ name: f.name, version: time(f, ['--version']), rewrite: time(f, job(f.m)) }));
const base = rows[0];
console.log(`cold start, median of ${runs} runs (ms; ratio to the process form)`);
console.log(`${'form'.padEnd(44)}${'--version'.padStart(18)}${'offline rewrite'.padStart(20)}`);
for (const r of rows) {
  const cell = (v, b) => `${v.toFixed(0)} (${(v / b).toFixed(2)}x)`.padStart(v === r.version ? 18 : 20);
  console.log(`${r.name.padEnd(44)}${cell(r.version, base.version)}${cell(r.rewrite, base.rewrite)}`);
}
const size = (p) => `${(fs.statSync(p).size / 1e6).toFixed(1)} MB`;
console.log(`sizes: binary ${size(path.join(root, 'dist', 'reimage'))}, without code cache ${size(noCache)}, bundle ${size(path.join(root, 'dist', 'bundle', 'reimage.js'))}`);
fs.rmSync(tmp, { recursive: true, force: true });
