#!/usr/bin/env node
// Request-count bench: a manifest stream with 2,000 image occurrences over 20 distinct images, renamed to
// a second registry and copied there. Both registries use Bearer token auth (each its own token server)
// and sit behind a fault proxy with no faults, whose log is what we count.
// Target: each source tag read once (a GET whose body the copy uses, where a run copies; else a HEAD),
// 20 target manifest HEADs by tag, then per image one HEAD of the index by digest (no HEAD per child),
// copy traffic, a /v2/ ping per registry, at most one token per registry and scope, and one token per
// target repository (its HEAD asks for pull,push, which the copy's pushes reuse).
//
// Mode (BENCH_MODE): 'cli' runs `node dist/cli/main.js -rename-remote-path TARGET/mirror ...` on stdin;
// 'client' drives dist/registry directly the way the pipeline does (resolve each distinct source once,
// check the target once, copy); 'auto' (default) uses the CLI when dist/cli/main.js exists.
// Run after `npm run build`. Exits 1 when a target is missed.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { support, loadClient, parseReference, cliPath, logger, ms, pool, runBench } = require('./registry-lib');

const DISTINCT = 20;
const OCCURRENCES = Number(process.env.BENCH_OCCURRENCES || 2000);
const TEMPLATE = '{{ .RemotePath }}/{{ .Repository }}:{{ .DigestHex }}';

function manifestStream(refs) {
  const docs = [];
  const perDeployment = 2;
  for (let i = 0; i < OCCURRENCES / perDeployment; i++) {
    const a = refs[(i * perDeployment) % refs.length];
    const b = refs[(i * perDeployment + 1) % refs.length];
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
spec:
  selector:
    matchLabels: {app: app-${i}}
  template:
    metadata:
      labels: {app: app-${i}}
    spec:
      containers:
      - name: main
        image: ${a}
      - name: sidecar
        image: ${b}
`);
  }
  return docs.join('---\n');
}

function runCli(args, input, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Classifies a proxy-log request. */
function kind(r) {
  const p = r.path.split('?')[0];
  if (p === '/v2/' || p === '/v2') return 'ping';
  let m = /^\/v2\/.+\/manifests\/(.+)$/.exec(p);
  if (m) return `manifest ${r.method} ${m[1].startsWith('sha256:') ? 'by digest' : 'by tag'}`;
  if (/^\/v2\/.+\/blobs\/uploads\//.test(p)) {
    if (r.method === 'POST' && /[?&]mount=/.test(r.path)) return 'blob mount POST';
    return `upload ${r.method}`;
  }
  if (/^\/v2\/.+\/blobs\/sha256:/.test(p)) return `blob ${r.method}`;
  return `other ${r.method}`;
}

function table(title, requests) {
  const counts = new Map();
  for (const r of requests) counts.set(kind(r), (counts.get(kind(r)) || 0) + 1);
  const rows = [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const statuses = new Map();
  for (const r of requests) statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
  return [
    `${title}: ${requests.length} requests (status ${[...statuses.entries()].map(([s, n]) => `${s}x${n}`).join(' ')})`,
    ...rows.map(([k, n]) => `    ${k.padEnd(28)} ${n}`),
  ].join('\n');
}

function tokenSummary(title, ts) {
  const byScope = ts.countByScope();
  const max = ts.maxPerScope();
  return {
    max,
    text: `${title}: ${ts.tokenCount()} tokens over ${byScope.size} scopes, max ${max} per scope${
      max > 1 ? ` (repeated: ${[...byScope.entries()].filter(([, n]) => n > 1).map(([s, n]) => `${s || '(none)'} x${n}`).join(', ')})` : ''
    }`,
  };
}

async function main() {
  const { startRegistry } = support.registry;
  const { pushTestImage } = support.images;
  const { startFaultProxy } = support.faultProxy;

  const mode = process.env.BENCH_MODE || (fs.existsSync(cliPath) ? 'cli' : 'client');
  const [srcReg, dstReg] = await Promise.all([startRegistry({ auth: 'token' }), startRegistry({ auth: 'token' })]);
  const [srcProxy, dstProxy] = await Promise.all([startFaultProxy(srcReg.host, []), startFaultProxy(dstReg.host, [])]);

  // sources: pushed straight to the registry (not through the proxy)
  const ids = Array.from({ length: DISTINCT }, (_, i) => i);
  await pool(ids, 4, (i) => pushTestImage(srcReg, `bench/app-${i}`, 'v1', { platforms: 2, layerBytes: 4096 }));
  const srcRefs = ids.map((i) => `${srcProxy.host}/bench/app-${i}:v1`);

  // credentials for the proxy hosts (the client only ever sees those)
  const cfgDir = await support.tmp.makeTempDir('reimage-bench-docker-');
  const basic = (r) => Buffer.from(`${r.username}:${r.password}`).toString('base64');
  fs.writeFileSync(
    path.join(cfgDir, 'config.json'),
    JSON.stringify({ auths: { [srcProxy.host]: { auth: basic(srcReg) }, [dstProxy.host]: { auth: basic(dstReg) } } }),
  );
  srcReg.tokenServer.reset();
  dstReg.tokenServer.reset();
  srcProxy.reset();
  dstProxy.reset();

  const input = manifestStream(srcRefs);
  const t0 = process.hrtime.bigint();
  let detail = '';
  if (mode === 'cli') {
    const args = ['-rename-remote-path', `${dstProxy.host}/mirror`, '-rename-template', TEMPLATE];
    const env = { ...process.env, DOCKER_CONFIG: cfgDir };
    const res = await runCli(args, input, env);
    if (res.code !== 0) throw new Error(`reimage CLI exited ${res.code}\n${res.stderr.slice(-3000)}`);
    const rewritten = (res.stdout.match(new RegExp(`image: "?${dstProxy.host.replace(/\./g, '\\.')}/mirror/`, 'g')) || []).length;
    detail = `CLI: exit 0, ${rewritten} image fields rewritten to the target`;
    if (rewritten !== OCCURRENCES) throw new Error(`expected ${OCCURRENCES} rewritten image fields, got ${rewritten}`);
  } else {
    const { createRegistryClient } = loadClient();
    const client = createRegistryClient({ log: logger, dockerConfigDir: cfgDir });
    // what the pipeline does: every occurrence goes through the distinct-image stage
    const occurrences = [];
    for (const line of input.split('\n')) {
      const m = /^\s+image: (.+)$/.exec(line);
      if (m) occurrences.push(m[1]);
    }
    const distinct = [...new Set(occurrences)];
    let copied = 0;
    await Promise.all(
      distinct.map(async (s) => {
        const src = parseReference(s);
        const digest = await client.resolve(src, { forCopy: true });
        const dst = parseReference(`${dstProxy.host}/mirror/${src.repository}:${digest.slice('sha256:'.length)}`);
        const existing = await client.digestIfExists(dst, { forPush: true });
        if (existing !== digest) {
          // From original@digest, as the ensure step does.
          await client.copy(parseReference(`${s}@${digest}`), dst, { noClobber: false });
          copied++;
        }
      }),
    );
    detail = `client: ${occurrences.length} occurrences, ${distinct.length} distinct, ${copied} copied`;
  }
  const elapsed = ms(t0);

  const srcTok = tokenSummary('source tokens', srcReg.tokenServer);
  const dstTok = tokenSummary('target tokens', dstReg.tokenServer);
  const srcTagReads = srcProxy.count((r) => kind(r) === 'manifest HEAD by tag' || kind(r) === 'manifest GET by tag');
  const dstDigestHeads = dstProxy.count((r) => kind(r) === 'manifest HEAD by digest');
  const dstHeads = dstProxy.count((r) => kind(r) === 'manifest HEAD by tag');
  const srcPings = srcProxy.count((r) => kind(r) === 'ping');
  const dstPings = dstProxy.count((r) => kind(r) === 'ping');
  const dstUploads = await dstReg.blobUploadCount();
  const dstBlobHeads = dstProxy.count((r) => kind(r) === 'blob HEAD');
  const dstRequests = dstProxy.requests.length;
  const checks = [
    [`source manifest requests by tag (HEAD or GET) = ${DISTINCT}`, srcTagReads === DISTINCT, srcTagReads],
    [`target manifest HEADs by tag = ${DISTINCT}`, dstHeads === DISTINCT, dstHeads],
    [`target manifest HEADs by digest <= ${DISTINCT} (the index; none per child)`, dstDigestHeads <= DISTINCT, dstDigestHeads],
    ['one /v2/ ping per registry', srcPings <= 1 && dstPings <= 1, `${srcPings}/${dstPings}`],
    ['<= 1 token per registry and scope', srcTok.max <= 1 && dstTok.max <= 1, `${srcTok.max}/${dstTok.max}`],
    [`target tokens <= ${DISTINCT} (one pull,push token per repository)`, dstReg.tokenServer.tokenCount() <= DISTINCT, dstReg.tokenServer.tokenCount()],
    [`target blob uploads = ${DISTINCT * 4} (2 layers + 2 configs per image)`, dstUploads === DISTINCT * 4, dstUploads],
    ['no target blob HEADs (a mount from the repository itself asks, and opens the upload)', dstBlobHeads === 0, dstBlobHeads],
    [`target requests <= ${DISTINCT * 13 + 1} (13 per image plus the ping)`, dstRequests <= DISTINCT * 13 + 1, dstRequests],
  ];
  const out = [
    '',
    `mode ${mode}: ${OCCURRENCES} occurrences of ${DISTINCT} distinct images, rename + copy, ${(elapsed / 1000).toFixed(2)} s`,
    `  ${detail}`,
    table('  source registry', srcProxy.requests),
    table('  target registry', dstProxy.requests),
    `  ${srcTok.text}`,
    `  ${dstTok.text}`,
    ...checks.map(([name, ok, got]) => `  ${ok ? 'OK  ' : 'MISS'} ${name} (got ${got})`),
    '',
  ];
  process.stdout.write(out.join('\n'));
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

runBench(main);
