#!/usr/bin/env node
/**
 * Layer bench for src/manifest: parse + locate + edit on N generated
 * Deployments (2 images each, comments throughout). Build first:
 *   npx tsc -p tsconfig.build.json && node bench/manifest.js [N...]
 */
'use strict';
const { performance } = require('node:perf_hooks');
const yaml = require('js-yaml');
const m = require('../dist/manifest');

function deployment(i) {
  // ~420 bytes, like the lead's whole-process bench (5,000 docs ~ 2 MB).
  return `# Deployment ${i}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-${i} # the name
  labels: {app: web-${i}}
spec:
  replicas: 3 # scaled later
  template:
    metadata:
      labels:
        app: web-${i}
    spec:
      # main containers
      containers:
      - name: app
        image: registry.example.com/team/app-${i % 50}:1.${i % 13}.0 # pinned
        ports:
        - containerPort: 8080
      - # sidecar
        name: proxy
        image: "docker.io/library/envoy:v1.${i % 9}"
---
`;
}

function generate(n) {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(deployment(i));
  return parts.join('');
}

function time(fn) {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

function run(n, rules) {
  const text = generate(n);
  const [, tLoad] = time(() => yaml.loadAll(text));
  const [docs, tParse] = time(() => m.parseYamlStream(text, 'bench'));
  const [edits, tLocate] = time(() => {
    const edits = [];
    for (const d of docs) {
      if (!d.node) continue;
      const fields = m.locateImages(d.value, rules, 'k8s');
      if (fields.length === 0) continue;
      const map = {};
      for (const f of fields) {
        const node = m.resolvePath(d.node, f.path);
        if (!node || typeof f.value !== 'string') throw new Error(`cannot resolve ${f.path.join('.')}`);
        const to = `mirror.example.com/${f.value.replace(/[:@].*$/, '')}:deadbeef`;
        map[f.value] = to;
        edits.push({ kind: 'scalar', node, value: to });
      }
      edits.push({ kind: 'annotation', resource: d.node, key: 'reimage.dev/mappings', value: JSON.stringify(map) });
    }
    return edits;
  });
  const [out, tEdit] = time(() => m.applyEdits(text, edits));
  const images = edits.filter((e) => e.kind === 'scalar').length;
  if (images !== 2 * n) throw new Error(`expected ${2 * n} images, found ${images}`);
  const [, tCheck] = time(() => yaml.loadAll(out));
  return { n, mb: text.length / 1e6, tLoad, tParse, tLocate, tEdit, tCheck, images };
}

const ns = process.argv.slice(2).map(Number).filter((x) => x > 0);
const rules = m.compileRules(m.DEFAULT_RULES);
const fmt = (x) => x.toFixed(0).padStart(6);
console.log('Median of 3 runs, each in a warm process; js-yaml = plain loadAll for comparison.');
console.log('     N     MB  js-yaml  parse  locate   edit  parse+locate+edit (ms)');
for (const n of ns.length ? ns : [1000, 5000, 20000]) {
  const runs = [run(n, rules), run(n, rules), run(n, rules)];
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[1];
  const total = runs.map((r) => r.tParse + r.tLocate + r.tEdit).sort((a, b) => a - b)[1];
  console.log(`${String(n).padStart(6)} ${runs[0].mb.toFixed(2).padStart(6)} ${fmt(med('tLoad'))}   ${fmt(med('tParse'))} ${fmt(med('tLocate'))} ${fmt(med('tEdit'))}  ${fmt(total)}`);
}
// The first, cold run is what one reimage process pays.
const cold = require('node:child_process').spawnSync(process.execPath, ['-e', `
  const { performance } = require('node:perf_hooks');
  const t0 = performance.now();
  const m = require(${JSON.stringify(require.resolve('../dist/manifest'))});
  const text = require('fs').readFileSync(0, 'utf8');
  const docs = m.parseYamlStream(text);
  const t1 = performance.now();
  const rules = m.compileRules(m.DEFAULT_RULES);
  const edits = [];
  for (const d of docs) for (const f of m.locateImages(d.value, rules, 'k8s')) edits.push({ kind: 'scalar', node: m.resolvePath(d.node, f.path), value: 'x.io/' + f.value });
  for (const d of docs) if (d.node) edits.push({ kind: 'annotation', resource: d.node, key: 'reimage.dev/mappings', value: '{}' });
  const t2 = performance.now();
  const out = m.applyEdits(text, edits);
  const t3 = performance.now();
  console.log('cold 5000: require+parse ' + (t1 - t0).toFixed(0) + ' ms, locate ' + (t2 - t1).toFixed(0) + ' ms, edit ' + (t3 - t2).toFixed(0) + ' ms, total ' + (t3 - t0).toFixed(0) + ' ms');
`], { input: generate(5000), encoding: 'utf8' });
process.stdout.write(cold.stdout + cold.stderr);
