// Shared by bench/registry-*.js: loads the TypeScript test helpers in test/support (registry, images,
// fault proxy, token server, tmp) as JS. Each file is transpiled on its own with the project's
// `typescript` (transpileModule: no type check, ~100 ms) into a temp dir that is removed on exit, so the
// benches use exactly the helpers the tests use, with no build step of their own.
//
//   const { support, loadClient, cliPath, parseReference, logger } = require('./registry-lib');
//   support.registry.startRegistry(...), support.images.pushTestImage(...), support.faultProxy.startFaultProxy(...)
//   support.tmp.runCleanups()
//   loadClient() -> dist/registry/index.js (throws a clear error when `npm run build` has not been run)
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const supportDir = path.join(root, 'test', 'support');
// Every helper is transpiled, so their imports of one another resolve whatever they are.
const FILES = fs.readdirSync(supportDir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));

function loadSupport() {
  const ts = require('typescript');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-bench-support-'));
  process.once('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  for (const f of FILES) {
    const src = fs.readFileSync(path.join(supportDir, `${f}.ts`), 'utf8');
    const js = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: `${f}.ts`,
    }).outputText;
    fs.writeFileSync(path.join(out, `${f}.js`), js);
  }
  const req = (f) => require(path.join(out, `${f}.js`));
  return {
    tmp: req('tmp'),
    tokenServer: req('token-server'),
    registry: req('registry'),
    images: req('images'),
    faultProxy: req('fault-proxy'),
  };
}

const support = loadSupport();

// REIMAGE_DIST overrides the build output dir (default <repo>/dist).
function distPath(...p) {
  return path.join(process.env.REIMAGE_DIST || path.join(root, 'dist'), ...p);
}

function loadClient() {
  const file = distPath('registry', 'index.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return require(file);
}

function parseReference(s) {
  const file = distPath('reference', 'index.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return require(file).parseReference(s);
}

const cliPath = distPath('cli', 'main.js');

/** A Logger (src/util/log.ts shape) that drops everything below warn, on stderr. */
const logger = {
  debug() {},
  info() {},
  warn(msg, fields) {
    process.stderr.write(`bench warn: ${msg} ${fields ? JSON.stringify(fields) : ''}\n`);
  },
  error(msg, fields) {
    process.stderr.write(`bench error: ${msg} ${fields ? JSON.stringify(fields) : ''}\n`);
  },
};

function ms(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Maps fn over items with at most `limit` in flight; results keep input order. */
async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Runs main(), then every cleanup; exits 1 on failure. */
function runBench(main) {
  main()
    .then(
      () => support.tmp.runCleanups(),
      async (e) => {
        process.stderr.write(`${e && e.stack ? e.stack : String(e)}\n`);
        process.exitCode = 1;
        await support.tmp.runCleanups();
      },
    )
    .catch(() => undefined);
}

module.exports = { support, loadClient, parseReference, cliPath, logger, ms, pool, runBench, root };
