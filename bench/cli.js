#!/usr/bin/env node
// Whole-process benchmark: node start-up to exit, rewriting N Deployments (two images each, comments
// throughout) with a static mappings file, against `kubectl kustomize` with an `images:` transformer
// on the 1,000-Deployment input, measured in the same run. Prints times and ratios; asserts nothing.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const sizes = (process.env.BENCH_SIZES || '1000,5000,20000').split(',').map(Number);
const runs = Number(process.env.BENCH_RUNS || 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-bench-'));

const images = Array.from({ length: 20 }, (_, i) => [`registry.example.com/team/app-${i}:v1.${i}`, `docker.io/library/sidecar-${i}:1.${i}`]);
const hex = (i) => (i.toString(16).padStart(4, '0')).repeat(16);

function deployment(i) {
  const [a, b] = images[i % images.length];
  return `# Deployment ${i}: generated for the benchmark
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}   # name comment
  labels: {app: app-${i}, tier: "backend"}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: app-${i}
  template:
    metadata:
      labels:
        app: app-${i}
    spec:
      containers:
      - name: main   # main container
        image: ${a}
        ports:
        - containerPort: 8080
        env:
        - name: MODE
          value: "production"
      - # sidecar
        name: sidecar
        image: "${b}"
      volumes:
      - name: cfg
        configMap:
          name: cfg-${i}
          defaultMode: 0644
`;
}

function writeInput(n) {
  const file = path.join(dir, `deployments-${n}.yaml`);
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(deployment(i));
  fs.writeFileSync(file, parts.join('---\n'));
  return file;
}

const mappings = {};
images.flat().forEach((img, i) => {
  mappings[img] = { tag: `mirror.example.com/${img.replace(/[:@].*$/, '')}:${hex(i)}`, digest: `sha256:${hex(i)}` };
});
const mappingsFile = path.join(dir, 'mappings.json');
fs.writeFileSync(mappingsFile, JSON.stringify(mappings));

function timeOnce(cmd, args, inputFile, cwd) {
  const input = inputFile ? fs.openSync(inputFile, 'r') : 'ignore';
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: [input, 'pipe', 'pipe'], cwd, maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (typeof input === 'number') fs.closeSync(input);
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return { ms, out: r.stdout };
}

function best(fn) {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, fn());
  return min;
}

const results = {};
for (const n of sizes) {
  const file = writeInput(n);
  const args = [cli, '-static-json-mappings-file', mappingsFile, '-verify-static-json-mappings=false', '-no-copy'];
  const ms = best(() => timeOnce(process.execPath, args, file).ms);
  results[n] = ms;
  console.log(`reimage  ${String(n).padStart(6)} Deployments (${(fs.statSync(file).size / 1e6).toFixed(1)} MB): ${ms.toFixed(0)} ms  (${(ms / n * 1000).toFixed(1)} µs/Deployment)`);
}

// Cold start on a small input: one Deployment.
const small = writeInput(1);
const cold = best(() => timeOnce(process.execPath, [cli, '-static-json-mappings-file', mappingsFile, '-verify-static-json-mappings=false', '-no-copy'], small).ms);
const bare = best(() => timeOnce(process.execPath, ['-e', '0'], null).ms);
console.log(`cold start, 1 Deployment: ${cold.toFixed(0)} ms (bare node -e 0: ${bare.toFixed(0)} ms)`);

if (results[1000] && results[5000]) console.log(`scaling 1k→5k: ×${(results[5000] / results[1000]).toFixed(2)} (linear = ×5)`);
if (results[5000] && results[20000]) console.log(`scaling 5k→20k: ×${(results[20000] / results[5000]).toFixed(2)} (linear = ×4)`);

// Peer: kubectl kustomize with an images: transformer on the same 1,000-Deployment input.
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
if (kubectl.status === 0 && sizes.includes(1000)) {
  const kdir = path.join(dir, 'kustomize');
  fs.mkdirSync(kdir, { recursive: true });
  fs.copyFileSync(path.join(dir, 'deployments-1000.yaml'), path.join(kdir, 'deployments.yaml'));
  const imgs = Object.entries(mappings).map(([orig, m]) => {
    const name = orig.replace(/:[^/:]*$/, '');
    const [newName, newTag] = [m.tag.replace(/:[^/:]*$/, ''), m.tag.split(':').pop()];
    return `- name: ${name}\n  newName: ${newName}\n  newTag: "${newTag}"`;
  });
  fs.writeFileSync(path.join(kdir, 'kustomization.yaml'), `resources:\n- deployments.yaml\nimages:\n${imgs.join('\n')}\n`);
  const kms = best(() => timeOnce('kubectl', ['kustomize', kdir], null).ms);
  console.log(`kubectl kustomize images:, 1000 Deployments: ${kms.toFixed(0)} ms`);
  console.log(`ratio reimage/kustomize at 1000: ${(results[1000] / kms).toFixed(3)} (target ≤ 0.100)`);
} else {
  console.log('kubectl not found: peer comparison skipped');
}
fs.rmSync(dir, { recursive: true, force: true });
