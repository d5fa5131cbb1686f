#!/usr/bin/env node
/**
 * A stand-in for `trivy image -f json IMAGE`: prints trivy-shaped JSON for the image given
 * as the LAST argument (which must be registry/repo@sha256:<hex>, as reimage passes it).
 *
 * Options (argv before the image, or env):
 *   --mode M      SCANNER_MODE      ok | fail | nonjson | empty | slow | hang | crash   (default ok)
 *   --fixture F   SCANNER_FIXTURE   name in test/fixtures/vuln/trivy (mixed, clean, no-results, dupes) or a path (default mixed)
 *   --vulns J     SCANNER_VULNS     JSON [{"id":"CVE-1","v3":9.8,"v2":0}] instead of a fixture
 *   --delay MS    SCANNER_DELAY_MS  sleep before answering (any mode); slow mode: default 5000
 *   --log FILE    SCANNER_LOG       append {"event":"start"|"end","image","t"} JSON lines
 * A repository path segment `scan-<mode>` or `scan-<fixture>` overrides per image, e.g.
 * 127.0.0.1:5000/scan-fail/app@sha256:…  or  127.0.0.1:5000/scan-clean/app@sha256:…
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const MODES = new Set(['ok', 'fail', 'nonjson', 'empty', 'slow', 'hang', 'crash']);
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'vuln', 'trivy');

const argv = process.argv.slice(2);
const image = argv.pop();
const opt = { mode: process.env.SCANNER_MODE, fixture: process.env.SCANNER_FIXTURE, vulns: process.env.SCANNER_VULNS, delay: process.env.SCANNER_DELAY_MS, log: process.env.SCANNER_LOG };
for (let i = 0; i < argv.length; i++) {
  const m = /^--(mode|fixture|vulns|delay|log)$/.exec(argv[i]);
  if (m) opt[m[1]] = argv[++i];
}

if (!image || !/^[^@\s]+\/[^@\s]+@sha256:[0-9a-f]{64}$/.test(image)) {
  process.stderr.write(`scanner: expected registry/repo@sha256:<hex> as the last argument, got ${JSON.stringify(image)}\n`);
  process.exit(3);
}
for (const seg of image.split('@')[0].split('/')) {
  const m = /^scan-(.+)$/.exec(seg);
  if (!m) continue;
  if (MODES.has(m[1])) opt.mode = m[1];
  else opt.fixture = m[1];
}
const mode = opt.mode || 'ok';
if (!MODES.has(mode)) {
  process.stderr.write(`scanner: unknown mode ${mode}\n`);
  process.exit(4);
}

const log = (event) => {
  if (opt.log) fs.appendFileSync(opt.log, `${JSON.stringify({ event, image, t: Date.now(), pid: process.pid })}\n`);
};

function report() {
  if (opt.vulns) {
    const vulns = JSON.parse(opt.vulns).map((v) => ({
      VulnerabilityID: v.id,
      Severity: 'UNKNOWN',
      CVSS: { nvd: { ...(v.v3 !== undefined ? { V3Score: v.v3 } : {}), ...(v.v2 !== undefined ? { V2Score: v.v2 } : {}) } },
    }));
    return { SchemaVersion: 2, ArtifactName: image, ArtifactType: 'container_image', Results: [{ Target: image, Class: 'os-pkgs', Vulnerabilities: vulns }] };
  }
  const name = opt.fixture || 'mixed';
  const file = name.includes('/') ? name : path.join(FIXTURES, `${name}.json`);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { ...doc, ArtifactName: image };
}

function answer() {
  switch (mode) {
    case 'fail':
      process.stderr.write(`2024-01-01T00:00:00Z\tFATAL\tscan error: unable to inspect the image (${image})\n`);
      for (let i = 1; i <= 30; i++) process.stderr.write(`  detail line ${i}\n`);
      log('end');
      process.exit(2);
      break;
    case 'nonjson':
      process.stdout.write('Total: 3 (UNKNOWN: 0, LOW: 1, MEDIUM: 0, HIGH: 2, CRITICAL: 0)\n');
      process.stderr.write('warning: table output requested\n');
      break;
    case 'empty':
      break;
    case 'crash':
      process.kill(process.pid, 'SIGKILL');
      break;
    default:
      process.stderr.write(`2024-01-01T00:00:00Z\tINFO\tscanning ${image}\n`);
      process.stdout.write(`${JSON.stringify(report(), null, 2)}\n`);
  }
  log('end');
}

log('start');
if (mode === 'hang') {
  setInterval(() => {}, 1 << 30);
} else {
  const delay = Number(opt.delay ?? (mode === 'slow' ? 5000 : 0));
  if (delay > 0) setTimeout(answer, delay);
  else answer();
}
