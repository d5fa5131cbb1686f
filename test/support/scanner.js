#!/usr/bin/env node
/**
 * A stand-in for `trivy image -f json IMAGE` and `grype -o json IMAGE`: prints a report for the image
 * given as the LAST argument (which must be registry/repo@sha256:<hex>, as reimage passes it).
 *
 * Options (argv before the image, or env):
 *   --mode M      SCANNER_MODE      ok | fail | nonjson | empty | null | slow | hang | crash | huge | group-hang  (default ok)
 *                                   huge: prints --mb MiB (default 600) of a never-ending JSON string;
 *                                   group-hang: starts a grandchild that holds the pipes, logs its pid ("child"), hangs
 *   --format F    SCANNER_FORMAT    trivy | grype: fixture folder and --vulns shape (default trivy)
 *   --fixture F   SCANNER_FIXTURE   name in test/fixtures/vuln/<format> (trivy: mixed, clean, no-results, dupes; grype: mixed, clean) or a path (default mixed)
 *   --raw FILE    SCANNER_RAW       print this file byte for byte instead (malformed reports)
 *   --vulns J     SCANNER_VULNS     JSON [{"id":"CVE-1","v3":9.8,"v2":0,"risk":1}] instead of a fixture (grype: v3 is the baseScore)
 *   --delay MS    SCANNER_DELAY_MS  sleep before answering (any mode); slow mode: default 5000
 *   --log FILE    SCANNER_LOG       append {"event":"start"|"end","image","t"} JSON lines
 * A repository path segment `scan-<mode>` or `scan-<fixture>` overrides per image, e.g.
 * 127.0.0.1:5000/scan-fail/app@sha256:…  or  127.0.0.1:5000/scan-clean/app@sha256:…
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const { spawn } = require('node:child_process');

const MODES = new Set(['ok', 'fail', 'nonjson', 'empty', 'null', 'slow', 'hang', 'crash', 'huge', 'group-hang']);
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'vuln');

const argv = process.argv.slice(2);
const image = argv.pop();
const env = process.env;
const opt = { mode: env.SCANNER_MODE, format: env.SCANNER_FORMAT, fixture: env.SCANNER_FIXTURE, raw: env.SCANNER_RAW, vulns: env.SCANNER_VULNS, delay: env.SCANNER_DELAY_MS, log: env.SCANNER_LOG, mb: undefined };
for (let i = 0; i < argv.length; i++) {
  const m = /^--(mode|format|fixture|raw|vulns|delay|log|mb)$/.exec(argv[i]);
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

const log = (event, pid = process.pid) => {
  if (opt.log) fs.appendFileSync(opt.log, `${JSON.stringify({ event, image, t: Date.now(), pid })}\n`);
};
const format = opt.format || 'trivy';

function grypeReport() {
  const matches = JSON.parse(opt.vulns).map((v) => ({
    vulnerability: { id: v.id, severity: 'Unknown', description: v.desc ?? '', cvss: v.v3 === undefined ? [] : [{ type: 'Primary', version: '3.1', metrics: { baseScore: v.v3 } }], risk: v.risk ?? 0 },
    artifact: { name: 'pkg', version: '1' },
  }));
  return { matches, source: { type: 'image', target: { userInput: image } }, descriptor: { name: 'grype', version: '0.0.0-test' } };
}

function report() {
  if (opt.vulns && format === 'grype') return grypeReport();
  if (opt.vulns) {
    const vulns = JSON.parse(opt.vulns).map((v) => ({
      VulnerabilityID: v.id,
      Severity: 'UNKNOWN',
      CVSS: { nvd: { ...(v.v3 !== undefined ? { V3Score: v.v3 } : {}), ...(v.v2 !== undefined ? { V2Score: v.v2 } : {}) } },
    }));
    return { SchemaVersion: 2, ArtifactName: image, ArtifactType: 'container_image', Results: [{ Target: image, Class: 'os-pkgs', Vulnerabilities: vulns }] };
  }
  const name = opt.fixture || 'mixed';
  const file = name.includes('/') ? name : path.join(FIXTURES, format, `${name}.json`);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  return format === 'grype' ? doc : { ...doc, ArtifactName: image };
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
    case 'null':
      process.stdout.write('null\n');
      break;
    case 'crash':
      process.kill(process.pid, 'SIGKILL');
      break;
    default:
      process.stderr.write(`2024-01-01T00:00:00Z\tINFO\tscanning ${image}\n`);
      if (opt.raw) process.stdout.write(fs.readFileSync(opt.raw));
      else process.stdout.write(`${JSON.stringify(report(), null, 2)}\n`);
  }
  log('end');
}

/** Writes `mb` MiB as fast as the pipe takes it, then exits; reimage should have killed us long before. */
function huge(mb) {
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  let left = mb;
  process.stdout.write('{"Results":[{"Target":"');
  const pump = () => {
    while (left > 0) {
      left--;
      if (!process.stdout.write(chunk)) return process.stdout.once('drain', pump);
    }
    process.stdout.write('"}]}\n');
    log('end');
  };
  pump();
}

log('start');
if (mode === 'hang') {
  setInterval(() => {}, 1 << 30);
} else if (mode === 'huge') {
  huge(Number(opt.mb ?? 600));
} else if (mode === 'group-hang') {
  // A grandchild in our process group that inherits stdout/stderr: only a group kill ends it.
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: ['ignore', 'inherit', 'inherit'] });
  log('child', child.pid);
  setInterval(() => {}, 1 << 30);
} else {
  const delay = Number(opt.delay ?? (mode === 'slow' ? 5000 : 0));
  if (delay > 0) setTimeout(answer, delay);
  else answer();
}
