#!/usr/bin/env node
// Counts the image fields reimage locates in the corpus (test/fixtures/corpus) with its default settings, and with
// the Go tool's narrower set (-find-podspecs=false -default-rules=false plus the Go tool's one Prometheus rule).
// Usage: npm run build && node test/support/corpus-images.js [CORPUS_DIR]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'dist');
const corpus = process.argv[2] || path.join(root, 'test', 'fixtures', 'corpus');
const { readInput } = require(path.join(dist, 'run', 'input'));
const { collectOccurrences } = require(path.join(dist, 'run', 'occurrences'));
const manifest = require(path.join(dist, 'manifest'));

function count(rules, findPodSpecs) {
  let fields = 0;
  let files = 0;
  let unreadable = 0;
  const distinct = new Set();
  for (const dir of fs.readdirSync(corpus).sort()) {
    const d = path.join(corpus, dir);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const f of fs.readdirSync(d).sort()) {
      let input;
      try {
        input = readInput(fs.readFileSync(path.join(d, f)));
      } catch {
        unreadable++; // refused input (UTF-16, invalid bytes, ...): nothing is located in it
        continue;
      }
      files++;
      const found = collectOccurrences(input.resources, rules, 'k8s', { findPodSpecs, reportUncovered: false });
      // Argo {{...}} parameters are located, then reported and left as written (info results).
      fields += found.occurrences.length + found.errors.filter((e) => e.severity === 'info').length;
      for (const o of found.occurrences) distinct.add(o.image);
    }
  }
  return { files, unreadable, fields, distinctImages: distinct.size };
}

const goRules = manifest.compileRules([{ kind: '^Prometheus$', apiVersion: '^monitoring\\.coreos\\.com/v1$', imageJSONP: ['$.spec.image'] }]);
console.log(JSON.stringify({ defaults: count(manifest.compileRuleSets([manifest.DEFAULT_RULE_SET]), true), goToolSet: count(goRules, false) }, null, 2));
