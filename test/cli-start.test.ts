/**
 * How dist/cli/main.js starts (src/cli/main.ts, launch.ts, v8flags.ts): it runs the bundle `npm run build` made with
 * its V8 code cache, falls back cleanly when V8 rejects the cache or when the bundle is older than the tsc build,
 * and raises V8's interrupt budget before any code is compiled.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, run } from './support/cli';
import { makeTempDir } from './support/tmp';

const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');
const MAPPINGS = path.join(ROOT, 'examples', 'mappings.json');
const INPUT = fs.readFileSync(path.join(ROOT, 'examples', 'manifests.yaml'), 'utf8');
const ARGS = ['-static-json-mappings-file', MAPPINGS, '-verify-static-json-mappings=false', '-no-copy'];
const DEBUG = { REIMAGE_DEBUG_CODE_CACHE: '1' };

async function offline(main: string, nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [...nodeArgs, main, ...ARGS], { stdin: INPUT, env: { ...DEBUG, ...env } });
}

let expected: string;
beforeAll(async () => {
  const r = await run(process.execPath, [MAIN, ...ARGS], { stdin: INPUT, env: { REIMAGE_BUNDLE: '0' } });
  expect(r.code).toBe(0);
  expected = r.stdout;
});

test('npm run build made the bundle and its code cache, and dist/cli/main.js runs the bundle with it', async () => {
  expect(fs.existsSync(path.join(ROOT, 'dist', 'bundle', 'reimage.js.cache'))).toBe(true);
  const r = await offline(MAIN);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('reimage: code cache used');
  expect(r.stdout).toBe(expected);
});

test('a cache V8 rejects (other flags) or a corrupt one only costs a compile', async () => {
  const other = await offline(MAIN, ['--max-lazy']);
  expect(other.stderr).toContain('reimage: code cache rejected');
  expect(other.code).toBe(0);
  expect(other.stdout).toBe(expected);

  // a copy of the build whose cache is garbage
  const dir = await makeTempDir('reimage-start-');
  fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true, preserveTimestamps: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  const cache = path.join(dir, 'dist', 'bundle', 'reimage.js.cache');
  fs.writeFileSync(cache, Buffer.alloc(fs.statSync(cache).size, 7));
  const bad = await offline(path.join(dir, 'dist', 'cli', 'main.js'));
  expect(bad.stderr).toContain('reimage: code cache rejected');
  expect(bad.code).toBe(0);
  expect(bad.stdout).toBe(expected);

  // a tsc build newer than the bundle runs its own modules, not the older bundle
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(dir, 'dist', 'cli', 'main.js'), later, later);
  const stale = await offline(path.join(dir, 'dist', 'cli', 'main.js'));
  expect(stale.stderr).not.toContain('code cache');
  expect(stale.code).toBe(0);
  expect(stale.stdout).toBe(expected);

  // no bundle at all: the same
  fs.rmSync(path.join(dir, 'dist', 'bundle'), { recursive: true });
  const none = await offline(path.join(dir, 'dist', 'cli', 'main.js'));
  expect(none.stderr).not.toContain('code cache');
  expect(none.stdout).toBe(expected);
});

test('the V8 interrupt budget is raised before code runs, unless the user set one or the input is big', async () => {
  // A function called 300 times with a 50-iteration loop: TurboFan takes it under V8's default budget, not x16.
  const hot = (input: number) => `const v = require(${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'v8flags.js'))});
v.tuneV8(); v.tuneV8ForInput(${input});
function f(x) { let s = 0; for (let i = 0; i < 50; i++) s += (x * i) % 7; return s; }
let t = 0; for (let i = 0; i < 300; i++) t += f(i); console.log(t);`;
  const optimized = async (nodeArgs: string[], input = 1000) => {
    const r = await run(process.execPath, ['--trace-opt', ...nodeArgs, '-e', hot(input)]);
    expect(r.code).toBe(0);
    return /completed (compiling|optimizing) .*<JSFunction f /.test(r.stdout);
  };
  expect(await optimized([])).toBe(false);
  expect(await optimized(['--interrupt-budget=67584'])).toBe(true);
  // a big input gets V8's default back
  expect(await optimized([], 2 << 20)).toBe(true);
});

test('incremental marking is off for the run, unless the user chose', async () => {
  // 1.5M live objects (over 100 MB) run into old space's allocation limit: V8 starts marking there on its own
  // (a smaller heap may leave it to a task, which a loaded machine need not run before the exit).
  const script = (tune: boolean) => `const v = require(${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'v8flags.js'))});
${tune ? 'v.tuneV8();' : ''}
const keep = []; for (let i = 0; i < 1500000; i++) keep.push({ a: i, b: 'x' + i, c: [i] }); console.log(keep.length);`;
  const marks = async (nodeArgs: string[], tune: boolean) => {
    const r = await run(process.execPath, ['--trace-incremental-marking', ...nodeArgs, '-e', script(tune)]);
    expect(r.code).toBe(0);
    return r.stdout.split('\n').filter((l) => l.includes('[IncrementalMarking] Start')).length;
  };
  expect(await marks([], false)).toBeGreaterThan(0); // the control: V8's default marks
  expect(await marks([], true)).toBe(0);
  expect(await marks(['--incremental-marking'], true)).toBeGreaterThan(0);
  expect(await marks(['--incremental_marking'], true)).toBeGreaterThan(0);
});

test('the container entry (dist/bundle/container-main.js, from src/cli/container.ts) runs the bundle beside it with its cache', async () => {
  // The image's layout: /app/main.js, /app/reimage.js and the cache the build made; no node_modules anywhere.
  const app = await makeTempDir('app');
  fs.copyFileSync(path.join(ROOT, 'dist', 'bundle', 'container-main.js'), path.join(app, 'main.js'));
  fs.copyFileSync(path.join(ROOT, 'dist', 'bundle', 'reimage.js'), path.join(app, 'reimage.js'));
  const made = await run(process.execPath, [path.join(app, 'main.js'), '--help'], { env: { REIMAGE_WRITE_CODE_CACHE: '1' } });
  expect(made.code).toBe(0);
  expect(fs.existsSync(path.join(app, 'reimage.js.cache'))).toBe(true);
  const r = await offline(path.join(app, 'main.js'));
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('reimage: code cache used');
  expect(r.stdout).toBe(expected);
  // REIMAGE_BUNDLE=0 means "the modules" to dist/cli/main.js; the image has none, so it still runs the bundle.
  expect((await offline(path.join(app, 'main.js'), [], { REIMAGE_BUNDLE: '0' })).stdout).toBe(expected);
  // The Google clients are a chunk beside the bundle (scripts/bundle.js); without it a Grafeas gate fails closed.
  const gate = ['-vulncheck-method', 'grafeas', '-grafeas-parent', 'projects/p', '-grafeas-endpoint', '127.0.0.1:9', '-vulncheck-max-cvss', '7'];
  const noChunk = await run(process.execPath, [path.join(app, 'main.js'), ...ARGS, ...gate], { stdin: INPUT });
  expect(noChunk.code).toBe(1);
  expect(noChunk.stdout).toBe('');
  expect(noChunk.stderr).toContain(`internal error: ${path.join(app, 'google.js')} is missing`);
  fs.rmSync(path.join(app, 'reimage.js'));
  const missing = await offline(path.join(app, 'main.js'));
  expect(missing.code).toBe(70);
  expect(missing.stdout).toBe('');
  expect(missing.stderr).toMatch(/reimage: internal error: .*reimage\.js is missing from the image/);
});

describe('a run that stops with nothing left to wait for', () => {
  // stdin replaced by a stream that never ends and holds no handle: the run awaits it forever, and Node would exit
  // 0 with empty stdout (kpt then deletes the package). The CLI says so and exits 70 instead.
  const preload = async (): Promise<string> => {
    const dir = await makeTempDir('stall');
    const file = path.join(dir, 'stall-stdin.js');
    fs.writeFileSync(file, "Object.defineProperty(process, 'stdin', { value: new (require('node:stream').Readable)({ read() {} }) });\n");
    return file;
  };

  it.each([['the bundle', {}], ['the modules', { REIMAGE_BUNDLE: '0' }]])('%s: exit 70, nothing on stdout, one line naming it', async (_name, env) => {
    const r = await run(process.execPath, ['-r', await preload(), MAIN, ...ARGS], { stdin: INPUT, env });
    expect(r.code).toBe(70);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('reimage: internal error: the run stopped before it finished (nothing was left to wait for); no output was written\n');
  });

  it('the control: without the preload the same run succeeds', async () => {
    const r = await run(process.execPath, [MAIN, ...ARGS], { stdin: INPUT });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected);
  });
});
