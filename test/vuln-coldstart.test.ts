/**
 * Cold start: importing src/vuln (and running a trivy check) must not load google-gax,
 * grpc or the Grafeas client; they load only when -vulncheck-method=grafeas is used.
 * Checked in a plain node process (jest has its own module registry), on src/vuln and the
 * local files it imports, transpiled on the fly.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');

function transpileClosure(entry: string, outDir: string): void {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:from|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const base = path.resolve(path.dirname(file), m[1] as string);
      const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
      if (hit) queue.push(hit);
    }
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
    const out = path.join(outDir, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, js);
  }
}

const HEAVY = /node_modules[/\\](google-gax|@google-cloud|@grpc|protobufjs|google-auth-library)[/\\]/;

test('importing src/vuln and checking with trivy loads no google-gax/grpc; using grafeas does', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vuln-cold-'));
  try {
    transpileClosure(path.join(ROOT, 'src', 'vuln', 'index.ts'), out);
    const script = `
      const heavy = () => Object.keys(require.cache).filter((k) => ${HEAVY}.test(k));
      const t0 = process.hrtime.bigint();
      const vuln = require(${JSON.stringify(path.join(out, 'src', 'vuln', 'index.js'))});
      const importMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const log = { debug() {}, info() {}, warn() {}, error() {} };
      const img = { original: 'x', registry: '127.0.0.1:5000', repository: 'a', tag: undefined, digest: 'sha256:' + 'a'.repeat(64),
        context: '127.0.0.1:5000/a', identifier: 'sha256:' + 'a'.repeat(64), name: '127.0.0.1:5000/a@sha256:' + 'a'.repeat(64) };
      vuln.checkImages([img], { vulncheckMethod: 'trivy', vulncheckMaxCvss: 7, vulncheckIgnoreCveList: [], vulncheckIgnoreImages: '',
        vulncheckTimeoutMs: 10000, vulncheckMaxRetries: 1, grafeasParent: '', grafeasEndpoint: '', concurrency: 2,
        trivyCommand: ${JSON.stringify(`'${process.execPath}' '${path.join(ROOT, 'test', 'support', 'scanner.js')}' --fixture clean`)},
        vulncheckMaxRisk: 0, vulncheckWorkers: 1, vulncheckCommand: '', vulncheckFormat: '', vulncheckReport: '', vulncheckReportTemplate: '', vulncheckReportOutput: '' }, log)
        .then(async (res) => {
          const afterTrivy = heavy();
          const client = vuln.createGrafeasClient('127.0.0.1:1');
          const afterGrafeas = heavy().length;
          await client.close();
          console.log(JSON.stringify({ importMs, afterTrivy, afterGrafeas, error: res.get(img.name).error ?? null }));
        });
    `;
    const stdout = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), METADATA_SERVER_DETECTION: 'none' }, encoding: 'utf8' });
    const r = JSON.parse(stdout.trim().split('\n').pop() as string) as { importMs: number; afterTrivy: string[]; afterGrafeas: number; error: string | null };
    expect(r.error).toBeNull();
    expect(r.afterTrivy).toEqual([]);
    expect(r.afterGrafeas).toBeGreaterThan(10); // the control: the lazy path really loads them
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
