/**
 * Layering (issue 9 "Layout"): no stage imports from src/cli/ (each takes its own narrow settings type), and no
 * module inside src/run/ imports the run entry point (the old ImageState circle run/index.ts <-> run/output.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.join(__dirname, '..', 'src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or requires, resolved to a path under src/. */
function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)'(\.{1,2}\/[^']+)'/g)) out.push(path.resolve(path.dirname(file), m[1] as string));
  return out;
}

const rel = (p: string): string => path.relative(SRC, p);

test('no stage imports from src/cli/', () => {
  const offenders: string[] = [];
  for (const file of files(SRC)) {
    if (rel(file).startsWith('cli/')) continue;
    for (const target of imports(file)) if (rel(target).startsWith('cli/') || rel(target) === 'cli') offenders.push(`${rel(file)} -> ${rel(target)}`);
  }
  expect(offenders).toEqual([]);
});

test('nothing inside src/run/ imports run/index', () => {
  const offenders: string[] = [];
  for (const file of files(path.join(SRC, 'run'))) {
    if (rel(file) === 'run/index.ts') continue;
    for (const target of imports(file)) if (rel(target) === 'run' || rel(target) === 'run/index') offenders.push(`${rel(file)} -> ${rel(target)}`);
  }
  expect(offenders).toEqual([]);
});

test('the Go flag syntax lives in src/gocompat/ with the other Go-compatible syntaxes', () => {
  for (const f of ['flag.ts', 'strconv.ts', 'duration.ts', 'shellwords.ts', 'regexp.ts']) expect(fs.existsSync(path.join(SRC, 'gocompat', f))).toBe(true);
  expect(fs.readFileSync(path.join(SRC, 'cli', 'flags.ts'), 'utf8')).toMatch(/from '\.\.\/gocompat\/flag'/);
});
