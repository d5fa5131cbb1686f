/**
 * Cold start: the offline path (static mappings, no copy) must not load the registry client or any Google library.
 * Timing belongs to bench/cli.js; this checks what is loaded, which is what makes start-up cheap. It checks the
 * tsc build's modules (REIMAGE_BUNDLE=0); the bundle that dist/cli/main.js runs is checked in e2e-binary.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, ROOT, run } from './support/cli';

const TRACE = path.join(ROOT, 'test', 'support', 'trace-modules.js');
const MAPPINGS = path.join(ROOT, 'examples', 'mappings.json');
const HEAVY = /node_modules\/(google-gax|@google-cloud|@grpc|protobufjs|google-auth-library|gaxios)\//;

async function loadedModules(args: string[], stdin: string): Promise<string[]> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-trace-')), 'modules.txt');
  const r = await run(process.execPath, ['-r', TRACE, CLI, ...args], { stdin, env: { TRACE_MODULES_FILE: file, REIMAGE_BUNDLE: '0' } });
  expect(r.code).toBe(0);
  return fs.readFileSync(file, 'utf8').split('\n');
}

test('the offline path loads no registry client and no Google library', async () => {
  const modules = await loadedModules(['-static-json-mappings-file', MAPPINGS, '-verify-static-json-mappings=false', '-no-copy'], fs.readFileSync(path.join(ROOT, 'examples', 'manifests.yaml'), 'utf8'));
  expect(modules.some((m) => m.includes(`${path.sep}dist${path.sep}manifest${path.sep}`))).toBe(true); // the trace works
  expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
  expect(modules.filter((m) => /dist\/(registry|vuln|attest)\//.test(m))).toEqual([]);
  // The built-in rules' kind regexps are literals; re2js loads only for a regexp the user gives.
  expect(modules.filter((m) => m.includes(`node_modules${path.sep}re2js${path.sep}`))).toEqual([]);
});

test('--version loads almost nothing', async () => {
  const modules = await loadedModules(['--version'], '');
  expect(modules.filter((m) => m.includes('node_modules'))).toEqual([]);
});
