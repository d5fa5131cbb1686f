/**
 * Property-based tests (fast-check) for the reference parser and the YAML splice.
 *
 * The splice properties generate random manifest streams from a model (random comments, key and scalar quoting,
 * flow and block collections, block scalars, indentless sequences, BOM, CRLF, several documents), render them
 * with a renderer of their own, run reimage's read -> locate -> render stages, and check:
 * - with -annotate=false the output is byte for byte the same model rendered with the new images;
 * - with the annotation, the output loads to the same tree with the new images plus the annotation.
 * Runs per property: RUNS, 500 by default (REIMAGE_FC_RUNS overrides; REIMAGE_FC_SAMPLE=1 prints samples); fast-check
 * prints the seed of a failure.
 */
import fc from 'fast-check';
import { load, loadAll } from 'js-yaml';
import { compileRules, DEFAULT_RULES } from '../src/manifest';
import { BadReferenceError, parseReference } from '../src/reference';
import { readInput } from '../src/run/input';
import { collectOccurrences, groupByImage } from '../src/run/occurrences';
import { renderOutput } from '../src/run/output';
import type { ImageState } from '../src/run/state';

const RUNS = Number(process.env['REIMAGE_FC_RUNS'] ?? 500);
const timings: Record<string, { runs: number; ms: number }> = {};
function timed<T>(name: string, prop: fc.IProperty<T>, runs = RUNS): void {
  const t0 = performance.now();
  fc.assert(prop, { numRuns: runs });
  timings[name] = { runs, ms: Math.round(performance.now() - t0) };
}
afterAll(() => {
  // The fuzzing budget, for the issue's closing note.
  process.stderr.write(`property runs: ${JSON.stringify(timings)}\n`);
});

// ---------------------------------------------------------------- references

const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split(''));
const word = (min: number, max: number) => fc.array(alnum, { minLength: min, maxLength: max }).map((a) => a.join(''));
/** A path component: alphanumerics joined by `.`, `_`, `__` or `-`s, as in the distribution grammar. */
const component = fc
  .tuple(lower, word(0, 5), fc.option(fc.tuple(fc.constantFrom('.', '_', '__', '-', '--'), word(1, 4)), { nil: undefined }))
  .map(([a, b, sep]) => `${a}${b}${sep ? sep[0] + sep[1] : ''}`);
const registry = fc.constantFrom('gcr.io', 'quay.io', 'localhost:5000', 'registry.example.com', '127.0.0.1:5000', 'my-reg.internal:8443', 'localhost');
const tagArb = fc.tuple(fc.constantFrom(...'abcXYZ019_'.split('')), fc.array(fc.constantFrom(...'abcXYZ019_.-'.split('')), { maxLength: 12 })).map(([a, b]) => a + b.join(''));
const hex64 = fc.array(fc.constantFrom(...'0123456789abcdef'.split('')), { minLength: 64, maxLength: 64 }).map((a) => a.join(''));

interface RefParts {
  registry: string | undefined;
  path: string[];
  tag: string | undefined;
  digest: string | undefined;
}
const refParts: fc.Arbitrary<RefParts> = fc.record({
  registry: fc.option(registry, { nil: undefined }),
  path: fc.array(component, { minLength: 1, maxLength: 3 }),
  tag: fc.option(tagArb, { nil: undefined }),
  digest: fc.option(hex64.map((h) => `sha256:${h}`), { nil: undefined }),
});
const refString = (p: RefParts): string => `${p.registry ? `${p.registry}/` : ''}${p.path.join('/')}${p.tag ? `:${p.tag}` : ''}${p.digest ? `@${p.digest}` : ''}`;
/** A reference whose first path component cannot be taken for a registry (no `.` or `:`, not localhost). */
const imageRef = refParts.filter((p) => p.registry !== undefined || !/[.:]|^localhost$/.test(p.path[0] as string)).map(refString);

describe('reference parser properties', () => {
  test('valid references parse, keep their parts, and normalise idempotently', () => {
    timed(
      'reference: valid parts',
      fc.property(refParts, (p) => {
        fc.pre(p.registry !== undefined || !/[.:]|^localhost$/.test(p.path[0] as string));
        const s = refString(p);
        const r = parseReference(s);
        expect(r.original).toBe(s);
        if (p.registry && p.registry !== 'localhost') expect(r.registry).toBe(p.registry);
        expect(r.tag).toBe(p.tag ?? (p.digest ? undefined : 'latest'));
        expect(r.digest).toBe(p.digest);
        expect(r.repository.endsWith(p.path.join('/'))).toBe(true);
        const again = parseReference(r.name);
        expect(again.name).toBe(r.name);
        expect(again.context).toBe(r.context);
      }),
    );
  });

  test('any string either parses to a re-parsable name or fails with BadReferenceError', () => {
    const noisy = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(...'aZ0:/@._-[]%+ \t#'.split('')), maxLength: 30 }),
      fc.tuple(imageRef, fc.nat(30), fc.string({ maxLength: 2 })).map(([s, i, ins]) => s.slice(0, i) + ins + s.slice(i)),
    );
    timed(
      'reference: arbitrary strings',
      fc.property(noisy, (s) => {
        let parsed: ReturnType<typeof parseReference> | undefined;
        try {
          parsed = parseReference(s);
        } catch (e) {
          expect(e).toBeInstanceOf(BadReferenceError);
          expect((e as Error).message).not.toMatch(/\n/);
          return;
        }
        expect(parseReference(parsed.name).name).toBe(parsed.name);
      }),
      RUNS * 3,
    );
  });

  test('uppercase in the repository path is always refused', () => {
    timed(
      'reference: uppercase repository',
      fc.property(refParts, fc.nat(), (p, k) => {
        const i = k % p.path.length;
        const path = p.path.map((c, j) => (j === i ? c.toUpperCase() : c));
        fc.pre(path.join('/') !== p.path.join('/'));
        expect(() => parseReference(refString({ ...p, registry: p.registry ?? 'gcr.io', path }))).toThrow(BadReferenceError);
      }),
    );
  });
});

// ---------------------------------------------------------------- YAML splice

type Style = 'plain' | 'single' | 'double';
type YNode =
  | { t: 'scalar'; v: string; style: Style }
  | { t: 'literal'; lines: string[] }
  | { t: 'map'; entries: Entry[]; flow: boolean }
  | { t: 'seq'; items: YNode[]; flow: boolean; indentless: boolean };
interface Entry {
  key: string;
  keyStyle: Style;
  value: YNode;
  /** Comment line before the entry (block only) */
  before?: string;
  /** Comment after the entry on its line (block only, scalar and flow values) */
  after?: string;
}
/** An image scalar is marked so the expected output can swap it. */
const IMAGE = Symbol('image');
type ImageScalar = { t: 'scalar'; v: string; style: Style; [IMAGE]: true };

const commentText = fc.string({ unit: fc.constantFrom(...Array.from('abc XYZ:#-{}[],\'"é🐳')), maxLength: 12 });
const plainWord = fc.tuple(lower, word(0, 6)).map(([a, b]) => a + b).filter((w) => !['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null'].includes(w));
const anyText = fc.string({ unit: fc.constantFrom(...'ab :#\'"\\,[]{}é-'.split('')), maxLength: 10 });
const style = fc.constantFrom<Style>('plain', 'single', 'double');

function quote(v: string, s: Style): string {
  if (s === 'single') return `'${v.replace(/'/g, "''")}'`;
  if (s === 'double') return JSON.stringify(v);
  return v;
}

/** Plain only where the generator knows it is safe: a word, or an image reference outside `,[]{}`. */
function scalarText(n: { v: string; style: Style }, inFlow: boolean): string {
  const safePlain = /^[a-z][a-z0-9._/:@-]*$/.test(n.v) && !/:$/.test(n.v) && !(inFlow && /[,[\]{}]/.test(n.v));
  return quote(n.v, n.style === 'plain' && !safePlain ? 'double' : n.style);
}

function flowText(n: YNode): string {
  switch (n.t) {
    case 'scalar':
      return scalarText(n, true);
    case 'literal':
      return JSON.stringify(n.lines.join('\n'));
    case 'map':
      return `{${n.entries.map((e) => `${quote(e.key, e.keyStyle)}: ${flowText(e.value)}`).join(', ')}}`;
    case 'seq':
      return `[${n.items.map(flowText).join(', ')}]`;
  }
}

const isBlockCollection = (n: YNode): n is Extract<YNode, { t: 'map' | 'seq' }> => (n.t === 'map' || n.t === 'seq') && !n.flow && (n.t === 'map' ? n.entries.length > 0 : n.items.length > 0);

function renderMap(m: Extract<YNode, { t: 'map' }>, indent: number, out: string[], firstPrefix?: string): void {
  const pad = ' '.repeat(indent);
  m.entries.forEach((e, i) => {
    const lead = i === 0 && firstPrefix !== undefined ? firstPrefix : pad;
    if (e.before !== undefined && !(i === 0 && firstPrefix !== undefined)) out.push(`${pad}# ${e.before}`);
    const key = `${lead}${quote(e.key, e.keyStyle)}:`;
    const after = e.after !== undefined ? ` # ${e.after}` : '';
    const v = e.value;
    if (v.t === 'literal') {
      out.push(`${key} |${after}`);
      for (const l of v.lines) out.push(l === '' ? '' : `${pad}  ${l}`);
    } else if (isBlockCollection(v)) {
      out.push(`${key}${after}`);
      if (v.t === 'map') renderMap(v, indent + 2, out);
      else renderSeq(v, v.indentless ? indent : indent + 2, out);
    } else out.push(`${key} ${v.t === 'scalar' ? scalarText(v, false) : flowText(v)}${after}`);
  });
}

function renderSeq(s: Extract<YNode, { t: 'seq' }>, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const item of s.items) {
    if (item.t === 'map' && !item.flow && item.entries.length > 0) renderMap(item, indent + 2, out, `${pad}- `);
    else if (isBlockCollection(item)) {
      out.push(`${pad}-`);
      renderSeq(item as Extract<YNode, { t: 'seq' }>, indent + 2, out);
    } else if (item.t === 'literal') {
      out.push(`${pad}- |`);
      for (const l of item.lines) out.push(l === '' ? '' : `${pad}  ${l}`);
    } else out.push(`${pad}- ${item.t === 'scalar' ? scalarText(item, false) : flowText(item)}`);
  }
}

interface Doc {
  root: Extract<YNode, { t: 'map' }>;
  header?: string;
  marker: boolean;
  /** Rendered as pretty-printed JSON (kubernetes/examples ships such files) */
  json: boolean;
}
interface Stream {
  docs: Doc[];
  crlf: boolean;
  bom: boolean;
}

function renderStream(s: Stream, swap: (image: string) => string): string {
  const lines: string[] = [];
  const withImages = (n: YNode): YNode => {
    if (n.t === 'scalar') return (n as Partial<ImageScalar>)[IMAGE] ? { ...n, v: swap(n.v) } : n;
    if (n.t === 'map') return { ...n, entries: n.entries.map((e) => ({ ...e, value: withImages(e.value) })) };
    if (n.t === 'seq') return { ...n, items: n.items.map(withImages) };
    return n;
  };
  s.docs.forEach((d, i) => {
    if (d.header !== undefined) lines.push(`# ${d.header}`);
    if (i > 0 || d.marker) lines.push('---');
    const root = withImages(d.root) as Extract<YNode, { t: 'map' }>;
    if (d.json) lines.push(JSON.stringify(load(flowText(root)), null, 2));
    else if (root.flow) lines.push(flowText(root));
    else renderMap(root, 0, lines);
  });
  const text = `${lines.join('\n')}\n`;
  return (s.bom ? '\ufeff' : '') + (s.crlf ? text.replace(/\n/g, '\r\n') : text);
}

const leaf: fc.Arbitrary<YNode> = fc.oneof(
  fc.record({ t: fc.constant('scalar' as const), v: plainWord, style }),
  fc.record({ t: fc.constant('scalar' as const), v: anyText, style: fc.constantFrom<Style>('single', 'double') }),
  fc.record({ t: fc.constant('literal' as const), lines: fc.array(fc.oneof(plainWord, fc.constant('')), { minLength: 1, maxLength: 3 }).map((l) => (l[0] === '' ? ['x', ...l] : l)) }),
);
const entryOf = (key: fc.Arbitrary<string>, value: fc.Arbitrary<YNode>): fc.Arbitrary<Entry> =>
  fc.record(
    { key, keyStyle: style, value, before: commentText, after: commentText },
    { requiredKeys: ['key', 'keyStyle', 'value'] },
  );
function uniqueEntries(entries: Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.key) && seen.add(e.key));
}
const { tree } = fc.letrec<{ tree: YNode; map: YNode; seq: YNode }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('map'), tie('seq')),
  map: fc.record({ t: fc.constant('map' as const), entries: fc.array(entryOf(plainWord.map((w) => `x${w}`), tie('tree')), { maxLength: 3 }).map(uniqueEntries), flow: fc.boolean() }),
  seq: fc.record({ t: fc.constant('seq' as const), items: fc.array(tie('tree'), { maxLength: 3 }), flow: fc.boolean(), indentless: fc.boolean() }),
}));

/** Flow collections hold only flow content: comments and block scalars cannot appear there. */
function toFlow(n: YNode): YNode {
  if (n.t === 'map') return { ...n, flow: true, entries: n.entries.map((e) => ({ key: e.key, keyStyle: e.keyStyle, value: toFlow(e.value) })) };
  if (n.t === 'seq') return { ...n, flow: true, items: n.items.map(toFlow) };
  return n;
}
function normalise(n: YNode, inFlow = false): YNode {
  if (inFlow) return toFlow(n);
  if (n.t === 'map') return n.flow ? toFlow(n) : { ...n, entries: n.entries.map((e) => ({ ...e, value: normalise(e.value) })) };
  if (n.t === 'seq') return n.flow ? toFlow(n) : { ...n, items: n.items.map((x) => normalise(x)) };
  return n;
}

// The style is fixed here as rendered (plain only when scalarText keeps it plain), so the swapped value keeps it.
const imageScalar: fc.Arbitrary<YNode> = fc
  .record({ v: imageRef, style })
  .map(({ v, style: s }) => ({ t: 'scalar', v, style: s === 'plain' && !/^[a-z][a-z0-9._/:@-]*$/.test(v) ? 'double' : s, [IMAGE]: true }) as ImageScalar);
const mapOf = (entries: fc.Arbitrary<Entry[]>, flow: fc.Arbitrary<boolean> = fc.boolean()): fc.Arbitrary<Extract<YNode, { t: 'map' }>> =>
  fc.record({ t: fc.constant('map' as const), entries, flow });
const extras = fc.array(entryOf(plainWord.map((w) => `z${w}`), tree.map((n) => normalise(n))), { maxLength: 2 });
const container = fc
  .tuple(mapOf(fc.tuple(entryOf(fc.constant('name'), fc.record({ t: fc.constant('scalar' as const), v: plainWord, style })), entryOf(fc.constant('image'), imageScalar), extras).map(([a, b, x]) => uniqueEntries([a, b, ...x]))))
  .map(([m]) => normalise(m));
const containers = fc.record({ t: fc.constant('seq' as const), items: fc.array(container, { minLength: 1, maxLength: 3 }), flow: fc.boolean(), indentless: fc.boolean() }).map((s) => normalise(s));
const metadata = fc.oneof(
  mapOf(fc.tuple(entryOf(fc.constant('name'), fc.record({ t: fc.constant('scalar' as const), v: plainWord, style })), fc.option(entryOf(fc.constant('labels'), mapOf(fc.array(entryOf(plainWord.map((w) => `l${w}`), fc.record({ t: fc.constant('scalar' as const), v: plainWord, style })), { maxLength: 2 }).map(uniqueEntries))), { nil: undefined })).map(([n, l]) => (l ? [n, l] : [n]))).map((m) => normalise(m)),
  fc.constant<YNode>({ t: 'map', entries: [], flow: true }),
);
const str = (v: string): YNode => ({ t: 'scalar', v, style: 'plain' });
const pod = fc
  .tuple(fc.option(entryOf(fc.constant('metadata'), metadata), { nil: undefined }), entryOf(fc.constant('containers'), containers), fc.option(entryOf(fc.constant('initContainers'), containers), { nil: undefined }), extras, fc.boolean())
  .map(([meta, cs, inits, x, flow]) => {
    const spec: YNode = normalise({ t: 'map', flow: false, entries: uniqueEntries([cs, ...(inits ? [inits] : []), ...x]) });
    const entries: Entry[] = [{ key: 'apiVersion', keyStyle: 'plain', value: str('v1') }, { key: 'kind', keyStyle: 'plain', value: str('Pod') }, ...(meta ? [meta] : []), { key: 'spec', keyStyle: 'plain', value: spec }];
    return normalise({ t: 'map', flow, entries }) as Extract<YNode, { t: 'map' }>;
  });
const other = fc.array(entryOf(plainWord.map((w) => `o${w}`), tree.map((n) => normalise(n))), { minLength: 1, maxLength: 3 }).map((e) => ({ t: 'map' as const, flow: false, entries: uniqueEntries(e) }));
const stream: fc.Arbitrary<Stream> = fc.record({
  docs: fc.array(fc.record({ root: fc.oneof({ weight: 4, arbitrary: pod }, { weight: 1, arbitrary: other }), header: commentText, marker: fc.boolean(), json: fc.boolean() }, { requiredKeys: ['root', 'marker', 'json'] }), { minLength: 1, maxLength: 3 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
});

/** The final image for each original: another valid reference, so its quoting follows the original's style. */
const finalFor = (image: string): string => `mirror.example.com/m/${image.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'x'}:v1`;

function rewrite(text: string, annotate: boolean): { out: string; images: string[] } {
  const input = readInput(Buffer.from(text, 'utf8'));
  const found = collectOccurrences(input.resources, compileRules(DEFAULT_RULES), 'k8s');
  expect(found.errors).toEqual([]);
  const states: ImageState[] = [];
  for (const [image, occurrences] of groupByImage(found.occurrences)) {
    const final = finalFor(image);
    states.push({ original: image, occurrences, outcome: { kind: 'mapped', target: parseReference(final), digest: `sha256:${'0'.repeat(64)}`, final } });
  }
  return { out: renderOutput(input, states, { annotate }).text, images: states.map((s) => s.original) };
}

function imagesOf(s: Stream): string[] {
  const out: string[] = [];
  const walk = (n: YNode): void => {
    if (n.t === 'scalar' && (n as Partial<ImageScalar>)[IMAGE]) out.push(n.v);
    if (n.t === 'map') n.entries.forEach((e) => walk(e.value));
    if (n.t === 'seq') n.items.forEach(walk);
  };
  s.docs.forEach((d) => walk(d.root));
  return out;
}

/** Comment texts in rendering order. */
function commentsOf(s: Stream): string[] {
  const out: string[] = [];
  // As renderMap: a map that is a block sequence item has no comment line before its first entry.
  const walk = (n: YNode, seqItem = false): void => {
    if (n.t === 'map' && !n.flow)
      n.entries.forEach((e, i) => {
        if (e.before !== undefined && !(seqItem && i === 0)) out.push(e.before);
        if (e.after !== undefined) out.push(e.after);
        walk(e.value);
      });
    if (n.t === 'seq' && !n.flow) n.items.forEach((x) => walk(x, true));
  };
  s.docs.forEach((d) => {
    if (d.header !== undefined) out.push(d.header);
    if (!d.json) walk(d.root);
  });
  return out;
}

const strip = (t: string): string => t.replace(/^\ufeff/, '');

describe('YAML splice properties', () => {
  test('generated streams are valid YAML that loads as the model says (the generator itself)', () => {
    if (process.env['REIMAGE_FC_SAMPLE']) for (const s of fc.sample(stream, 4)) process.stderr.write(`${renderStream(s, (x) => x)}=====\n`);
    timed(
      'splice: generator sanity',
      fc.property(stream, (s) => {
        const docs = loadAll(strip(renderStream(s, (x) => x)));
        expect(docs).toHaveLength(s.docs.length);
      }),
      Math.ceil(RUNS / 3),
    );
  });

  test('-annotate=false: the output is the input with only the image scalars changed, byte for byte', () => {
    timed(
      'splice: bytes outside images',
      fc.property(stream, (s) => {
        const text = renderStream(s, (x) => x);
        const { out, images } = rewrite(text, false);
        expect(new Set(images)).toEqual(new Set(imagesOf(s)));
        expect(out).toBe(renderStream(s, finalFor));
      }),
    );
  });

  test('with the annotation: the output loads to the same tree with the new images and the mappings annotation', () => {
    timed(
      'splice: same tree + annotation',
      fc.property(stream, (s) => {
        const text = renderStream(s, (x) => x);
        const { out } = rewrite(text, true);
        const got = loadAll(strip(out)) as Array<Record<string, unknown>>;
        const want = loadAll(strip(renderStream(s, finalFor))) as Array<Record<string, unknown>>;
        s.docs.forEach((d, i) => {
          const imgs = imagesOf({ docs: [d], crlf: false, bom: false });
          const w = want[i] as Record<string, unknown>;
          if (imgs.length > 0) {
            const meta = (w['metadata'] ?? {}) as Record<string, unknown>;
            const sorted = [...new Set(imgs)].sort();
            const value = JSON.stringify(Object.fromEntries(sorted.map((k) => [k, finalFor(k)])));
            w['metadata'] = { ...meta, annotations: { ...((meta['annotations'] as object | undefined) ?? {}), 'reimage.dev/mappings': value } };
          }
        });
        expect(got).toEqual(want);
        // every comment of the input is still there, in order, and the line endings are the file's own
        let at = 0;
        for (const c of commentsOf(s)) {
          const i = out.indexOf(`# ${c}`, at);
          expect(i).toBeGreaterThanOrEqual(0);
          at = i;
        }
        if (s.crlf) expect(out.replace(/\r\n/g, '')).not.toContain('\n');
        expect(out.startsWith('\ufeff')).toBe(s.bom);
        // a JSON file stays JSON
        const only = s.docs[0];
        if (s.docs.length === 1 && only?.json && only.header === undefined && !only.marker) expect(JSON.parse(strip(out))).toEqual(got[0]);
      }),
    );
  });
});
