/**
 * The run's guarantees under bad input and faults (issue 8 items 1, 2, 3, 7, 9, 10, 18, 19; issue 9 exit codes and
 * the missing-static-entry message). Every case asserts the exit code, an empty stdout where nothing may be
 * printed, a one-line message naming the flag, file or resource and field, files left as they were, and no secret.
 * Real parts: the built CLI, real pipes, /dev/full, `ulimit -f`, a tmpfs that fills up, and real kpt.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, KPT, ROOT, run, runCli } from './support/cli';
import type { RunResult } from './support/cli';

const MAPPINGS = path.join(ROOT, 'examples', 'mappings.json');
const MANIFESTS = fs.readFileSync(path.join(ROOT, 'examples', 'manifests.yaml'), 'utf8');
const OFFLINE = ['-verify-static-json-mappings=false', '-no-copy'];
const D = (c: string): string => `sha256:${c.repeat(64)}`;
const pod = (image: string, name = 'p'): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: a\n    image: ${image}\n`;
const list = (items: string): string => `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items}`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-guarantees-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

/** stderr lines that are not log lines: the one-line error (or results) a user reads. */
function messages(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('level='));
}

function expectOneLineFailure(r: RunResult, code: number, ...patterns: RegExp[]): void {
  expect(r.stdout).toBe('');
  expect(r.code).toBe(code);
  const lines = messages(r.stderr);
  expect(lines).toHaveLength(1);
  for (const p of patterns) expect(lines[0]).toMatch(p);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('exit codes follow Go: 2 for command-line syntax, 1 for everything else', () => {
  test.each([
    [['-nope'], 2, /flag provided but not defined: -nope/],
    [['-concurrency', 'x'], 2, /invalid value "x" for flag -concurrency: parse error/],
    [['-vulncheck-timeout', '1constructor'], 2, /invalid value "1constructor" for flag -vulncheck-timeout: .*unknown unit "constructor"/],
    [['-ignore'], 2, /flag needs an argument: -ignore/],
    [['-vulncheck-ignore-cve-list', '(=CVE-1'], 2, /^reimage: error: invalid value "\(=CVE-1" for flag -vulncheck-ignore-cve-list: bad regexp argument "\(", error parsing regexp: missing closing \): `\(`$/],
    [['-input', 'json'], 1, /invalid value "json" for flag -input: must be one of k8s, yaml/],
    [['-ignore', '('], 1, /invalid -ignore regexp/],
  ] as const)('%j exits %d', async (args, code, re) => {
    expectOneLineFailure(await runCli(args, ''), code, re);
  });
});

describe('item 1: a ResourceList in means a ResourceList out, or a non-zero exit', () => {
  const MO = ['-mappings-only', '-static-json-mappings-file', MAPPINGS, ...OFFLINE];

  test('-mappings-only with a ResourceList on a pipe is refused before anything runs', async () => {
    const out = path.join(dir, 'mo-pipe.json');
    const r = await runCli([...MO, '-write-json-mappings-file', out], list('- ' + pod('nginx:1.27').replace(/\n(?=.)/g, '\n  ')));
    expectOneLineFailure(r, 1, /-mappings-only reads no manifests, but stdin has data/, /kpt/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('-mappings-only with a file holding data on stdin is refused; with /dev/null it runs', async () => {
    const input = file('mo-in.yaml', MANIFESTS);
    const refused = await run('bash', ['-c', `exec node "$0" "$@" < ${input}`, CLI, ...MO]);
    expectOneLineFailure(refused, 1, /-mappings-only reads no manifests/);
    const ok = await run('bash', ['-c', 'exec node "$0" "$@" < /dev/null', CLI, ...MO]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
  });

  test('-mappings-only with a silent, open stdin pipe runs and exits on its own (no hang)', async () => {
    const child = spawn(process.execPath, [CLI, ...MO], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toBe('');
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  test('real kpt: an --exec wrapper passing -mappings-only fails, and the package survives byte for byte', async () => {
    const pkg = path.join(dir, 'kpt-pkg');
    fs.mkdirSync(pkg, { recursive: true });
    const files: Record<string, string> = {
      Kptfile: 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n',
      'app.yaml': MANIFESTS,
    };
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(pkg, name), content);
    const wrapper = file('wrapper.sh', `#!/bin/sh\nexec node ${CLI} -mappings-only -static-json-mappings-file ${MAPPINGS} -verify-static-json-mappings=false -no-copy\n`);
    fs.chmodSync(wrapper, 0o755);
    const r = await run(KPT, ['fn', 'eval', pkg, '--exec', wrapper], { timeoutMs: 120_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/-mappings-only reads no manifests/);
    expect(fs.readdirSync(pkg).sort()).toEqual(Object.keys(files).sort());
    for (const [name, content] of Object.entries(files)) expect(fs.readFileSync(path.join(pkg, name), 'utf8')).toBe(content);
  }, 150_000);

  test('real kpt: mappings-only in the function config (-- key=value) fails too, and the package survives', async () => {
    const pkg = path.join(dir, 'kpt-pkg-cm');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'app.yaml'), MANIFESTS);
    const r = await run(KPT, ['fn', 'eval', pkg, '--exec', CLI, '--', 'mappings-only=true', `static-json-mappings-file=${MAPPINGS}`, 'verify-static-json-mappings=false', 'no-copy=true'], { timeoutMs: 120_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/mappings-only cannot be set in a FunctionConfig/);
    expect(fs.readdirSync(pkg)).toEqual(['app.yaml']);
    expect(fs.readFileSync(path.join(pkg, 'app.yaml'), 'utf8')).toBe(MANIFESTS);
  }, 150_000);
});

describe('item 2: mappings files are replaced atomically; errors name the flag and the path', () => {
  const write = (target: string, extra: string[] = []): Promise<RunResult> =>
    runCli(['-static-json-mappings-file', MAPPINGS, ...OFFLINE, '-write-json-mappings-file', target, ...extra], MANIFESTS);

  test('a good run replaces the file in one step and leaves no temporary file', async () => {
    const target = file('atomic/ok.json', 'previous');
    fs.chmodSync(target, 0o640);
    const r = await write(target);
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(target, 'utf8'))).toHaveProperty(['nginx:1.27', 'digest']);
    expect(fs.readdirSync(path.dirname(target))).toEqual(['ok.json']);
    // Replacing keeps the file's mode, as Go's os.WriteFile on an existing file does; new files get 0600.
    expect(fs.statSync(target).mode & 0o777).toBe(0o640);
    const fresh = path.join(path.dirname(target), 'new.json');
    expect((await write(fresh)).code).toBe(0);
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o600);
  });

  test('a symlinked target keeps its link; the file it points to is replaced', async () => {
    const real = file('atomic/real.json', 'previous');
    const link = path.join(dir, 'atomic', 'link.json');
    fs.symlinkSync(real, link);
    expect((await write(link)).code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real, 'utf8')).toMatch(/^\{"/);
  });

  test.each([
    ['EISDIR', (): string => fs.mkdtempSync(path.join(dir, 'isdir-')), /is a directory \(EISDIR\)/],
    ['ENOENT', (): string => path.join(dir, 'no', 'such', 'dir', 'm.json'), /no such file or directory \(ENOENT\)/],
    ['ENOSPC on a device', (): string => '/dev/full', /no space left on device \(ENOSPC\)/],
  ] as const)('%s: exit 1, nothing on stdout, one line naming the flag and path', async (_name, target, reason) => {
    const t = target();
    const r = await write(t);
    expectOneLineFailure(r, 1, new RegExp(`^reimage: error: -write-json-mappings-file: cannot write ${t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `), reason);
  });

  test('ulimit -f: the write fails with EFBIG, the previous file survives, no temporary file is left', async () => {
    const target = file('ulimit/m.json', 'previous contents');
    const r = await run('bash', ['-c', 'ulimit -f 1; exec node "$0" "$@"', CLI, '-static-json-mappings-file', MAPPINGS, ...OFFLINE, '-write-json-mappings-file', target], { stdin: MANIFESTS });
    expectOneLineFailure(r, 1, /-write-json-mappings-file: cannot write .*m\.json: file too large/, /EFBIG/);
    expect(fs.readFileSync(target, 'utf8')).toBe('previous contents');
    expect(fs.readdirSync(path.dirname(target))).toEqual(['m.json']);
  });

  test('a full disk (tmpfs): ENOSPC, the previous file survives', async () => {
    const mnt = fs.mkdtempSync(path.join(dir, 'tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      // Without CAP_SYS_ADMIN there is no small filesystem to fill; /dev/full above covers the message.
      console.warn('mount -t tmpfs not permitted here; full-disk survival test skipped');
      return;
    }
    try {
      const target = path.join(mnt, 'm.json');
      fs.writeFileSync(target, 'previous contents');
      // Fill the rest of the filesystem.
      try {
        fs.writeFileSync(path.join(mnt, 'fill'), Buffer.alloc(64 * 1024));
      } catch {
        // ENOSPC once it is full, as intended
      }
      const r = await write(target);
      expectOneLineFailure(r, 1, /-write-json-mappings-file: cannot write .*m\.json: no space left on device \(ENOSPC\)/);
      expect(fs.readFileSync(target, 'utf8')).toBe('previous contents');
      expect(fs.readdirSync(mnt).sort()).toEqual(['fill', 'm.json']);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  test('the target is never seen partial while the mappings are written, so a SIGKILL at any moment leaves it whole', async () => {
    // 20k entries (a few MB of JSON); the file is read continuously while the run writes it, and the run is killed
    // at the first change seen. Every state seen must be the old bytes or all 20k entries.
    const big: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) big[`example.com/app-${i}:1`] = { tag: `mirror.example.com/app-${i}:1`, digest: D((i % 10).toString()) };
    const source = file('kill/source.json', JSON.stringify(big));
    const target = file('kill/m.json', 'previous contents');
    for (let round = 0; round < 3; round++) {
      fs.writeFileSync(target, 'previous contents');
      const child = spawn('bash', ['-c', 'exec node "$0" "$@" < /dev/null', CLI, '-mappings-only', '-static-json-mappings-file', source, ...OFFLINE, '-write-json-mappings-file', target], {
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      let done = false;
      child.on('close', () => (done = true));
      const seen = new Set<string>();
      while (!done) {
        const now = fs.readFileSync(target, 'utf8');
        if (now !== 'previous contents') {
          child.kill('SIGKILL');
          seen.add(now);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      seen.add(fs.readFileSync(target, 'utf8'));
      for (const state of seen) if (state !== 'previous contents') expect(Object.keys(JSON.parse(state) as object)).toHaveLength(20_000);
    }
  }, 120_000);
});

describe('item 3: side effects only after every check; no unbounded spreads', () => {
  test('a failing image leaves the mappings file unwritten', async () => {
    const target = path.join(dir, 'side-effects.json');
    const r = await runCli(['-static-json-mappings-file', MAPPINGS, ...OFFLINE, '-write-json-mappings-file', target], MANIFESTS + '---\n' + pod('missing/image:1'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(fs.existsSync(target)).toBe(false);
  });

  test('a bad mappings target fails before any image is looked up', async () => {
    // An unreachable registry would fail the lookup; the write check must come first and say so.
    const r = await runCli(['-no-copy', '-write-json-mappings-file', path.join(dir, 'nope', 'm.json')], pod('127.0.0.1:1/x/y:1'));
    expectOneLineFailure(r, 1, /-write-json-mappings-file: cannot write .*nope\/m\.json: no such file or directory/);
  });

  test('src has no argument spreads of arrays into push/max/min/apply', () => {
    const offenders: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          fs.readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (/^\s*(?:\*|\/\/)/.test(line)) return; // comments
              if (/\.(?:push|unshift|splice)\(\s*\.\.\.|Math\.(?:max|min)\(\s*\.\.\.|String\.fromCharCode\(\s*\.\.\.|\.apply\(/.test(line)) offenders.push(`${path.relative(ROOT, p)}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(path.join(ROOT, 'src'));
    expect(offenders).toEqual([]);
  });

  test('a 50 MB stream of 220k Deployments runs to the end, with a mappings file', async () => {
    const deployment = (i: number): string =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-${i}\n  labels: {app: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n      - name: side\n        image: busybox:1.36\n`;
    const parts: string[] = [];
    for (let i = 0; i < 220_000; i++) parts.push(deployment(i));
    const input = parts.join('---\n');
    expect(input.length).toBeGreaterThan(40e6);
    const big = file('big.yaml', input);
    const target = path.join(dir, 'big-mappings.json');
    const r = await run('bash', ['-c', `exec node "$0" "$@" < ${big} | tail -c 200`, CLI, '-static-json-mappings-file', MAPPINGS, ...OFFLINE, '-write-json-mappings-file', target], {
      timeoutMs: 600_000,
    });
    expect(r.stderr).not.toMatch(/reimage: error|Maximum call stack|RangeError/);
    expect(r.stderr).toMatch(/msg="done" images=2 rewritten=440000 resources=220000/);
    expect(r.stdout).toContain('name: side\n        image: registry.example.com/mirror/index.docker.io/library/busybox:');
    expect(Object.keys(JSON.parse(fs.readFileSync(target, 'utf8')) as object).sort()).toEqual(['busybox:1.36', 'nginx:1.27']);
  }, 600_000);
});

describe('item 7: a static mapping that contradicts itself is refused, whatever the verify setting', () => {
  test.each([
    ['tag pins another digest', { 'nginx:1': { tag: `mirror.example.com/nginx@${D('a')}`, digest: D('b') } }, /"tag" "mirror\.example\.com\/nginx@sha256:a+" pins sha256:a+, but "digest" says sha256:b+/],
    ['tag and digest pin another digest', { 'nginx:1': { tag: `mirror.example.com/nginx:1@${D('a')}`, digest: D('b') } }, /pins sha256:a+, but "digest" says sha256:b+/],
    ['the key pins another digest', { [`nginx@${D('a')}`]: { tag: 'mirror.example.com/nginx:1', digest: D('b') } }, /the image "nginx@sha256:a+" pins sha256:a+, but "digest" says sha256:b+/],
  ])('%s', async (_name, mappings, re) => {
    const m = file(`contradiction-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(mappings));
    const image = Object.keys(mappings)[0] as string;
    for (const verify of ['true', 'false']) {
      const r = await runCli(['-static-json-mappings-file', m, `-verify-static-json-mappings=${verify}`, '-no-copy'], pod(image));
      expectOneLineFailure(r, 1, new RegExp(`${path.basename(m).replace('.', '\\.')}: mapping `), re);
    }
  });

  test('a tag pinning the same digest is fine', async () => {
    const m = file('consistent.json', JSON.stringify({ 'nginx:1': { tag: `mirror.example.com/nginx@${D('a')}`, digest: D('a') } }));
    const r = await runCli(['-static-json-mappings-file', m, ...OFFLINE], pod('nginx:1'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: mirror.example.com/nginx@${D('a')}`);
  });
});

describe('issue 9: an image missing from static mappings', () => {
  test('names the resource and field, explains Go-written mappings and suggests the fixes', async () => {
    const r = await runCli(['-static-json-mappings-file', MAPPINGS, ...OFFLINE], pod('nginx:9'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = messages(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[error\] v1\/Pod\/p spec\.containers\[0\]\.image: no known static reference for nginx:9 in .*mappings\.json: /);
    expect(lines[0]).toMatch(/written by the Go reimage lack images .*ephemeral containers, image volumes, Lists, Knative, Argo/);
    expect(lines[0]).toMatch(/regenerate the mappings .* or skip the image with -ignore/);
  });
});

describe('item 9: no credentials in flags, and none in messages', () => {
  const SECRET = 'S3cr3tPa55';
  test.each([
    ['-binauthz-endpoint', `http://user:${SECRET}@127.0.0.1:9`],
    ['-binauthz-endpoint', `https://${SECRET}@binaryauthorization.googleapis.com`],
    ['-grafeas-endpoint', `user:${SECRET}@127.0.0.1:443`],
    ['-kms-endpoint', `user:${SECRET}@127.0.0.1:443`],
    ['-insecure-registry', `user:${SECRET}@127.0.0.1:5000`],
    ['-rename-remote-path', `user:${SECRET}@registry.example.com/mirror`],
    ['-write-json-mappings-img', `user:${SECRET}@registry.example.com/m:1`],
    ['-static-json-mappings-img', `user:${SECRET}@registry.example.com/m:1`],
    ['-rules-config', `https://user:${SECRET}@example.com/rules.yaml`],
  ])('%s %s', async (flag, value) => {
    const r = await runCli([flag, value, '-no-copy'], pod('nginx:1'));
    expectOneLineFailure(r, 1, new RegExp(`^reimage: error: ${flag}: credentials \\(user:password@\\) are not allowed`));
    expect(r.stderr).not.toContain(SECRET);
  });

  test('the same through a kpt ConfigMap', async () => {
    const fc = `functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data:\n    binauthz-endpoint: "http://u:${SECRET}@127.0.0.1:9"\n`;
    const r = await runCli([], `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n${fc}`);
    expectOneLineFailure(r, 1, /-binauthz-endpoint: credentials/);
    expect(r.stderr).not.toContain(SECRET);
  });
});

describe('item 10: no log forging, no raw escapes', () => {
  const ESC = '\u001b';
  test('a resource name with a newline and ESC is escaped in the error line', async () => {
    const input = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: "p\\nlevel=INFO msg=forged \\e[31mred\\u009b2J"\nspec:\n  containers:\n  - name: a\n    image: nginx:9\n`;
    const r = await runCli(['-static-json-mappings-file', MAPPINGS, ...OFFLINE], input);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr).not.toContain('\u009b');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('level=INFO msg=forged'))).toEqual([]);
    const lines = messages(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('v1/Pod/p\\nlevel=INFO msg=forged \\x1b[31mred\\x9b2J spec.containers[0].image');
  });

  test('an image string with controls is escaped in the message', async () => {
    const r = await runCli(['-static-json-mappings-file', MAPPINGS, ...OFFLINE], pod('"nginx:1\\e[2J\\u2028x"'));
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/[\u001b\u2028]/);
    expect(messages(r.stderr)).toHaveLength(1);
    expect(messages(r.stderr)[0]).toContain('nginx:1\\x1b[2J\\u2028x');
  });

  test('a mapping key with a newline and ESC is escaped', async () => {
    const mf = file('forged-key.json', JSON.stringify({ 'nginx:1\nlevel=INFO msg=forged\u001b[2J': { tag: 'x.example.com/a:1', digest: D('e') } }));
    const r = await runCli(['-static-json-mappings-file', mf, ...OFFLINE], pod('nginx:1'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('level=INFO msg=forged'))).toEqual([]);
    expect(messages(r.stderr)).toHaveLength(1);
    expect(messages(r.stderr)[0]).toMatch(/forged-key\.json: mapping key "nginx:1\\nlevel=INFO msg=forged\\u001b\[2J": invalid image reference/);
  });

  test('KRM results carry escaped text, so kpt cannot print raw escapes either', async () => {
    const item = `- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: "web\\e]0;owned\\a"\n  spec:\n    containers:\n    - name: a\n      image: nginx:1.27\n`;
    const r = await runCli(['-static-json-mappings-file', MAPPINGS, ...OFFLINE, '-debug'], list(item));
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain(ESC);
    const results = r.stdout.slice(r.stdout.indexOf('results:'));
    expect(results).not.toContain(ESC);
    expect(results).toContain('web\\\\x1b]0;owned\\\\x07');
  });
});

describe('item 18: stdout errors give one line and a non-zero exit, never a stack trace', () => {
  // Big enough to outlast the pipe buffer (64 KiB), so the reader's early exit is seen.
  const big = (): string => {
    const docs: string[] = [];
    for (let i = 0; i < 3000; i++) docs.push(MANIFESTS);
    return file('epipe.yaml', docs.join('---\n'));
  };

  test('EPIPE: `| head -c1`', async () => {
    const input = big();
    const r = await run('bash', ['-c', `node "$0" "$@" < ${input} | head -c1 >/dev/null; exit "\${PIPESTATUS[0]}"`, CLI, '-static-json-mappings-file', MAPPINGS, ...OFFLINE], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    const lines = messages(r.stderr);
    expect(lines).toEqual(['reimage: error: cannot write stdout: the reader closed it early (EPIPE); output is incomplete']);
  }, 150_000);

  test('ENOSPC: `> /dev/full`', async () => {
    const r = await run('bash', ['-c', 'node "$0" "$@" > /dev/full', CLI, '-static-json-mappings-file', MAPPINGS, ...OFFLINE], { stdin: MANIFESTS });
    expect(r.code).toBe(1);
    expect(messages(r.stderr)).toEqual(['reimage: error: cannot write stdout: no space left on device (ENOSPC); output is incomplete']);
  });

  test('--help into a closed pipe does not crash', async () => {
    const r = await run('bash', ['-c', 'node "$0" --help | head -c1 >/dev/null; exit "${PIPESTATUS[0]}"', CLI]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('item 19: user strings never hit Object.prototype', () => {
  const names = ['constructor', 'hasownproperty', 'valueof', 'tostring', 'isprototypeof'];

  test('images named like Object.prototype members map through static mappings', async () => {
    const m: Record<string, unknown> = {};
    names.forEach((n, i) => (m[n] = { tag: `mirror.example.com/${n}:1`, digest: D(String(i + 1)) }));
    const mf = file('proto.json', JSON.stringify(m));
    const input = names.map((n) => pod(n, n)).join('---\n');
    const out = path.join(dir, 'proto-out.json');
    const r = await runCli(['-static-json-mappings-file', mf, ...OFFLINE, '-write-json-mappings-file', out], input);
    expect(r.stderr).not.toMatch(/reimage: error|\[error\]/);
    expect(r.code).toBe(0);
    for (const n of names) {
      expect(r.stdout).toContain(`image: mirror.example.com/${n}:1`);
      expect(r.stdout).toContain(`reimage.dev/mappings: "{\\"${n}\\":\\"mirror.example.com/${n}:1\\"}"`);
    }
    expect(Object.keys(JSON.parse(fs.readFileSync(out, 'utf8')) as object).sort()).toEqual([...names].sort());
  });

  test('an image missing from the mappings whose name is a prototype member is reported missing', async () => {
    const r = await runCli(['-static-json-mappings-file', MAPPINGS, ...OFFLINE], pod('constructor'));
    expect(r.code).toBe(1);
    expect(messages(r.stderr)).toHaveLength(1);
    expect(messages(r.stderr)[0]).toMatch(/spec\.containers\[0\]\.image: no known static reference for constructor/);
  });

  test('a "__proto__" mapping key is a key (and is refused as an image name), not a prototype', async () => {
    const mf = file('proto-key.json', `{"__proto__": {"tag": "x.example.com/a:1", "digest": "${D('c')}"}}`);
    const r = await runCli(['-static-json-mappings-file', mf, ...OFFLINE], pod('nginx:1'));
    expectOneLineFailure(r, 1, /proto-key\.json: mapping key "__proto__": invalid image reference/);
  });

  test('kind: constructor and a ConfigMap key "constructor"', async () => {
    const weird = `apiVersion: v1\nkind: constructor\nmetadata: {name: c}\nspec:\n  image: nginx:1\n`;
    const r = await runCli(['-static-json-mappings-file', MAPPINGS, ...OFFLINE], weird);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(weird);
    const fc = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {constructor: x}\n`;
    expectOneLineFailure(await runCli([], fc), 1, /unknown key "constructor"/);
    const typed = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: fn.reimage.dev/v1alpha1\n  kind: ReImage\n  metadata: {name: c}\n  spec: {toString: x}\n`;
    expectOneLineFailure(await runCli([], typed), 1, /unknown field "spec\.toString"/);
  });
});
