import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { applyEdits, compileRules, DEFAULT_RULES, locateImages, ManifestError, parseYamlStream, resolvePath } from '../src/manifest';
import type { Edit } from '../src/manifest';

type Path = Array<string | number>;
type Change = [doc: number, path: Path, value: string];

/** Rewrites the scalars at `changes` and checks the result against a hand-written expectation. */
function rewrite(input: string, changes: Change[]): string {
  const docs = parseYamlStream(input);
  const edits: Edit[] = changes.map(([d, path, value]) => {
    const root = docs[d]?.node;
    const node = root && resolvePath(root, path);
    if (!node) throw new Error(`no node at ${d}:${path.join('.')}`);
    return { kind: 'scalar', node, value };
  });
  return applyEdits(input, edits);
}

function setIn(obj: unknown, path: Path, value: unknown): void {
  let cur = obj as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  cur[path[path.length - 1] as string | number] = value;
}

/** The output loads as the input does, except for the changed scalars. */
function checkSemantics(input: string, output: string, changes: Change[]): void {
  const before = loadAll(input.replace(/^\uFEFF/, ''));
  for (const [d, path, value] of changes) setIn(before[d], path, value);
  expect(loadAll(output.replace(/^\uFEFF/, ''))).toEqual(before);
}

const IMG0: Path = ['spec', 'containers', 0, 'image'];
const IMG1: Path = ['spec', 'containers', 1, 'image'];

interface Case {
  name: string;
  input: string;
  changes: Change[];
  expected: string;
  /** Other values that change with the edit (aliases of an edited anchor) */
  follows?: Change[];
}

const CASES: Case[] = [
  {
    name: 'comments everywhere, including `- # c` item comments',
    input: `# head
apiVersion: v1 # c1
kind: Pod
spec: # c2
  containers: # c3
  - # first
    name: a # c4
    image: nginx # c5
  # between
  - name: b
    image: redis   # c6
# tail
`,
    changes: [[0, IMG0, 'r.io/nginx:1'], [0, IMG1, 'r.io/redis@sha256:00']],
    expected: `# head
apiVersion: v1 # c1
kind: Pod
spec: # c2
  containers: # c3
  - # first
    name: a # c4
    image: r.io/nginx:1 # c5
  # between
  - name: b
    image: r.io/redis@sha256:00   # c6
# tail
`,
  },
  {
    name: 'flow style mapping and sequence',
    input: `kind: Pod
spec: {containers: [{name: a, image: nginx}, {name: b, image: "redis"}]}
args: [a, b]
`,
    changes: [[0, IMG0, 'r.io/nginx:1'], [0, IMG1, 'r.io/redis'], [0, ['args', 1], 'x,y']],
    expected: `kind: Pod
spec: {containers: [{name: a, image: r.io/nginx:1}, {name: b, image: "r.io/redis"}]}
args: [a, "x,y"]
`,
  },
  {
    name: 'single and double quotes keep their style and escape',
    input: `spec:
  containers:
  - image: 'nginx'
  - image: "redis"
`,
    changes: [[0, IMG0, "it's"], [0, IMG1, 'a"b\\c']],
    expected: `spec:
  containers:
  - image: 'it''s'
  - image: "a\\"b\\\\c"
`,
  },
  {
    name: 'octal-looking 0644 and other scalars stay as written',
    input: `spec:
  volumes:
  - name: v
    secret:
      defaultMode: 0644
  containers:
  - image: nginx
    env: [{name: X, value: yes}, {name: Y, value: 1.0}]
`,
    changes: [[0, IMG0, 'r.io/nginx']],
    expected: `spec:
  volumes:
  - name: v
    secret:
      defaultMode: 0644
  containers:
  - image: r.io/nginx
    env: [{name: X, value: yes}, {name: Y, value: 1.0}]
`,
  },
  {
    name: 'document end markers and separators',
    input: `a: 1
...
---
kind: Pod
spec:
  containers:
  - image: nginx
...
`,
    changes: [[1, IMG0, 'r.io/nginx']],
    expected: `a: 1
...
---
kind: Pod
spec:
  containers:
  - image: r.io/nginx
...
`,
  },
  {
    name: 'empty and comment-only documents, leading ---',
    input: `---
---
kind: Pod
spec:
  containers:
  - image: x
---

---
# only a comment
---
`,
    changes: [[1, IMG0, 'z']],
    expected: `---
---
kind: Pod
spec:
  containers:
  - image: z
---

---
# only a comment
---
`,
  },
  {
    name: 'no trailing newline',
    input: 'spec:\n  containers:\n  - image: nginx',
    changes: [[0, IMG0, 'r.io/nginx']],
    expected: 'spec:\n  containers:\n  - image: r.io/nginx',
  },
  {
    name: 'CRLF line endings',
    input: 'kind: Pod\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: nginx # c\r\n  - image: "redis"\r\n',
    changes: [[0, IMG0, 'r.io/nginx'], [0, IMG1, 'r.io/redis']],
    expected: 'kind: Pod\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: r.io/nginx # c\r\n  - image: "r.io/redis"\r\n',
  },
  {
    name: 'CRLF, flow style and no trailing newline',
    input: 'a: 1\r\n---\r\nspec: {containers: [{image: nginx}]}',
    changes: [[1, IMG0, 'r.io/nginx']],
    expected: 'a: 1\r\n---\r\nspec: {containers: [{image: r.io/nginx}]}',
  },
  {
    name: 'anchored image scalar is edited at the anchor, aliases elsewhere untouched',
    input: `spec:
  containers:
  - image: &img nginx
    env: [{name: IMG, value: *img}]
`,
    changes: [[0, IMG0, 'r.io/nginx']],
    expected: `spec:
  containers:
  - image: &img r.io/nginx
    env: [{name: IMG, value: *img}]
`,
    follows: [[0, ['spec', 'containers', 0, 'env', 0, 'value'], 'r.io/nginx']],
  },
  {
    name: 'multi-line strings elsewhere',
    input: `spec:
  containers:
  - command:
    - sh
    - -c
    - |
      echo hi
      # not a comment
    args: >-
      folded
      text
    image: nginx
    note: "two
      lines"
`,
    changes: [[0, IMG0, 'r.io/nginx']],
    expected: `spec:
  containers:
  - command:
    - sh
    - -c
    - |
      echo hi
      # not a comment
    args: >-
      folded
      text
    image: r.io/nginx
    note: "two
      lines"
`,
  },
  {
    name: 'byte order mark',
    input: '\uFEFFspec:\n  containers:\n  - image: nginx\n',
    changes: [[0, IMG0, 'r.io/nginx']],
    expected: '\uFEFFspec:\n  containers:\n  - image: r.io/nginx\n',
  },
  {
    name: 'tags stay in front of the new value',
    input: 'spec:\n  containers:\n  - image: !!str nginx\n  - image: !!str "redis"\n',
    changes: [[0, IMG0, 'r.io/nginx'], [0, IMG1, 'r.io/redis']],
    expected: 'spec:\n  containers:\n  - image: !!str r.io/nginx\n  - image: !!str "r.io/redis"\n',
  },
  {
    name: 'trailing whitespace and a tab separator are kept',
    input: 'spec:\n  containers:\n  - image:\tnginx   \n  - image: redis \t# c\n',
    changes: [[0, IMG0, 'a'], [0, IMG1, 'b']],
    expected: 'spec:\n  containers:\n  - image:\ta   \n  - image: b \t# c\n',
  },
  {
    name: 'plain values that would change type or break are quoted',
    input: 'spec:\n  containers:\n  - image: a\n  - image: b\n  - image: c\n  - image: d\n  - image: e\n  - image: f\n',
    changes: [
      [0, ['spec', 'containers', 0, 'image'], 'on'],
      [0, ['spec', 'containers', 1, 'image'], '1.0'],
      [0, ['spec', 'containers', 2, 'image'], 'a: b'],
      [0, ['spec', 'containers', 3, 'image'], 'x #y'],
      [0, ['spec', 'containers', 4, 'image'], 'null'],
      [0, ['spec', 'containers', 5, 'image'], '-x'],
    ],
    expected: 'spec:\n  containers:\n  - image: "on"\n  - image: "1.0"\n  - image: "a: b"\n  - image: "x #y"\n  - image: "null"\n  - image: "-x"\n',
  },
  {
    name: 'one-line strip block scalars keep their header and indentation; other block scalars become double-quoted',
    input: 'spec:\n  containers:\n  - image: |-\n      nginx\n    name: a\n  - image: >\n      redis\n\n  - image: >- # c\r\n      busybox\n',
    changes: [[0, IMG0, 'r.io/nginx'], [0, IMG1, 'r.io/redis'], [0, ['spec', 'containers', 2, 'image'], 'r.io/busybox']],
    expected: 'spec:\n  containers:\n  - image: |-\n      r.io/nginx\n    name: a\n  - image: "r.io/redis"\n\n  - image: >- # c\r\n      r.io/busybox\n',
  },
  {
    name: 'multi-line plain scalar is replaced whole',
    input: 'spec:\n  containers:\n  - image: registry.io/team/\n      nginx\n    name: a\n',
    changes: [[0, IMG0, 'r.io/nginx']],
    expected: 'spec:\n  containers:\n  - image: r.io/nginx\n    name: a\n',
  },
  {
    name: 'four-space indentation and indented sequences',
    input: 'spec:\n    containers:\n        -   name: a\n            image: nginx\n        -   image: redis\n',
    changes: [[0, IMG0, 'x'], [0, IMG1, 'z']],
    expected: 'spec:\n    containers:\n        -   name: a\n            image: x\n        -   image: z\n',
  },
  {
    name: 'JSON document keeps its double quotes',
    input: '{"kind": "Pod", "spec": {"containers": [{"image": "nginx"}, {"image": "redis"}]}}\n',
    changes: [[0, IMG0, 'r.io/nginx'], [0, IMG1, 'r.io/redis']],
    expected: '{"kind": "Pod", "spec": {"containers": [{"image": "r.io/nginx"}, {"image": "r.io/redis"}]}}\n',
  },
  {
    name: 'several documents, only the images change',
    input: `# one
kind: Pod
spec:
  containers: [{image: a}]
---
# two
kind: Pod
spec:
  containers:
  - image: 'b' # quoted
---
kind: ConfigMap
data: {k: v}
`,
    changes: [[0, IMG0, 'A'], [1, IMG0, 'B']],
    expected: `# one
kind: Pod
spec:
  containers: [{image: A}]
---
# two
kind: Pod
spec:
  containers:
  - image: 'B' # quoted
---
kind: ConfigMap
data: {k: v}
`,
  },
];

describe('byte preservation: only image scalars change', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const out = rewrite(c.input, c.changes);
    expect(out).toBe(c.expected);
    checkSemantics(c.input, out, [...c.changes, ...(c.follows ?? [])]);
  });

  test('no edits returns the input unchanged', () => {
    const input = '# c\n---\n---\na: 1 # x\n...\n';
    parseYamlStream(input);
    expect(applyEdits(input, [])).toBe(input);
  });

  test('an empty image value gets a space before the new value', () => {
    const out = rewrite('spec:\n  containers:\n  - image:\n    name: a\n', [[0, IMG0, 'x']]);
    expect(out).toBe('spec:\n  containers:\n  - image: x\n    name: a\n');
  });

  test('overlapping edits are refused', () => {
    const input = 'spec:\n  containers:\n  - image: a\n';
    const node = resolvePath(parseYamlStream(input)[0]?.node as never, IMG0);
    expect(node).toBeDefined();
    expect(() => applyEdits(input, [{ kind: 'scalar', node: node as never, value: 'x' }, { kind: 'scalar', node: node as never, value: 'y' }])).toThrow(ManifestError);
  });

  test('replacing a mapping with a string is refused', () => {
    const input = 'spec:\n  containers:\n  - image: {a: b}\n';
    const node = resolvePath(parseYamlStream(input)[0]?.node as never, IMG0);
    expect(() => applyEdits(input, [{ kind: 'scalar', node: node as never, value: 'x' }])).toThrow(/cannot replace a mapping/);
  });
});

// ---------------------------------------------------------------------------

const KEY = 'reimage.dev/mappings';
const VAL = '{"nginx":"r.io/nginx"}';
const QVAL = JSON.stringify(VAL);

/** Sets the annotation on the resource at `path` of document `doc`, checks exact text and the re-parsed value. */
function annotate(input: string, opts: { doc?: number; path?: Path; key?: string; value?: string } = {}): string {
  const docs = parseYamlStream(input);
  const d = opts.doc ?? 0;
  const root = docs[d]?.node;
  const resource = root && resolvePath(root, opts.path ?? []);
  if (!resource) throw new Error('no resource');
  const out = applyEdits(input, [{ kind: 'annotation', resource, key: opts.key ?? KEY, value: opts.value ?? VAL }]);
  const loaded = loadAll(out);
  let r = loaded[d] as Record<string, unknown>;
  for (const p of opts.path ?? []) r = (r as Record<string | number, unknown>)[p] as Record<string, unknown>;
  const meta = r['metadata'] as Record<string, Record<string, unknown>>;
  expect(meta['annotations']?.[opts.key ?? KEY]).toBe(opts.value ?? VAL);
  return out;
}

describe('annotation edits', () => {
  test('existing key: its value is replaced', () => {
    const input = `metadata:
  annotations:
    ${KEY}: 'old' # c
    other: x
`;
    expect(annotate(input)).toBe(`metadata:
  annotations:
    ${KEY}: ${QVAL} # c
    other: x
`);
  });

  test('existing key with an empty value', () => {
    expect(annotate(`metadata:\n  annotations:\n    ${KEY}:\n    other: x\n`)).toBe(`metadata:\n  annotations:\n    ${KEY}: ${QVAL}\n    other: x\n`);
  });

  test('block annotations: new line after the last entry, before comments of the next key', () => {
    const input = `metadata:
  name: x
  annotations:
    a: b # keep
    # about labels
  labels: {}
`;
    expect(annotate(input)).toBe(`metadata:
  name: x
  annotations:
    a: b # keep
    ${KEY}: ${QVAL}
    # about labels
  labels: {}
`);
  });

  test('block annotations whose last value is a block scalar', () => {
    const input = 'metadata:\n  annotations:\n    a: |\n      line1\n      line2\n\nspec: {}\n';
    expect(annotate(input)).toBe(`metadata:\n  annotations:\n    a: |\n      line1\n      line2\n    ${KEY}: ${QVAL}\n\nspec: {}\n`);
  });

  test('block annotations whose last value keeps trailing newlines (|+)', () => {
    const input = 'metadata:\n  annotations:\n    a: |+\n      line1\n\n\nspec: {}\n';
    const out = annotate(input);
    expect(out).toBe(`metadata:\n  annotations:\n    a: |+\n      line1\n\n\n    ${KEY}: ${QVAL}\nspec: {}\n`);
    expect((loadAll(out)[0] as { metadata: { annotations: { a: string } } }).metadata.annotations.a).toBe('line1\n\n\n');
  });

  test('empty flow annotations {}', () => {
    expect(annotate('metadata:\n  annotations: {}\n')).toBe(`metadata:\n  annotations: {${KEY}: ${QVAL}}\n`);
  });

  test('flow annotations {a: b}', () => {
    expect(annotate('metadata:\n  annotations: {a: b} # c\n')).toBe(`metadata:\n  annotations: {a: b, ${KEY}: ${QVAL}} # c\n`);
  });

  test('null annotations (empty and ~)', () => {
    expect(annotate('metadata:\n  annotations: # none yet\n  name: x\n')).toBe(`metadata:\n  annotations: # none yet\n    ${KEY}: ${QVAL}\n  name: x\n`);
    expect(annotate('metadata:\n  annotations: ~\n  name: x\n')).toBe(`metadata:\n  annotations:\n    ${KEY}: ${QVAL}\n  name: x\n`);
  });

  test('annotations missing, metadata is a block mapping', () => {
    const input = `apiVersion: v1
kind: Pod
metadata:
  name: p # the name
  # comment for spec
spec:
  containers: []
`;
    expect(annotate(input)).toBe(`apiVersion: v1
kind: Pod
metadata:
  name: p # the name
  annotations:
    ${KEY}: ${QVAL}
  # comment for spec
spec:
  containers: []
`);
  });

  test('metadata is empty', () => {
    expect(annotate('kind: Pod\nmetadata:\nspec: {}\n')).toBe(`kind: Pod\nmetadata:\n  annotations:\n    ${KEY}: ${QVAL}\nspec: {}\n`);
  });

  test('metadata is a flow mapping', () => {
    expect(annotate('kind: Pod\nmetadata: {name: p}\n')).toBe(`kind: Pod\nmetadata: {name: p, annotations: {${KEY}: ${QVAL}}}\n`);
  });

  test('metadata missing: added at the resource indentation after its last entry', () => {
    const input = `kind: Pod
spec:
  containers:
  - image: nginx # img
# end
`;
    expect(annotate(input)).toBe(`kind: Pod
spec:
  containers:
  - image: nginx # img
metadata:
  annotations:
    ${KEY}: ${QVAL}
# end
`);
  });

  test('metadata missing, 4-space indentation is followed', () => {
    const input = 'kind: Pod\nspec:\n    containers: []\n';
    expect(annotate(input)).toBe(`kind: Pod\nspec:\n    containers: []\nmetadata:\n    annotations:\n        ${KEY}: ${QVAL}\n`);
  });

  test('resource in flow style', () => {
    expect(annotate('{apiVersion: v1, kind: ConfigMap}\n')).toBe(`{apiVersion: v1, kind: ConfigMap, metadata: {annotations: {${KEY}: ${QVAL}}}}\n`);
  });

  test('ResourceList items with the dash at column 0 (items:\\n- a)', () => {
    const input = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: p
- apiVersion: v1
  kind: Pod
  spec: {}
`;
    const once = annotate(input, { path: ['items', 0] });
    expect(once).toBe(`apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: p
    annotations:
      ${KEY}: ${QVAL}
- apiVersion: v1
  kind: Pod
  spec: {}
`);
    expect(annotate(input, { path: ['items', 1] })).toBe(`apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: p
- apiVersion: v1
  kind: Pod
  spec: {}
  metadata:
    annotations:
      ${KEY}: ${QVAL}
`);
  });

  test('ResourceList items indented (items:\\n  - a)', () => {
    const input = `kind: ResourceList
items:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: p
      annotations:
        config.kubernetes.io/index: '0'
  - kind: Pod
`;
    expect(annotate(input, { path: ['items', 0] })).toBe(`kind: ResourceList
items:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: p
      annotations:
        config.kubernetes.io/index: '0'
        ${KEY}: ${QVAL}
  - kind: Pod
`);
    expect(annotate(input, { path: ['items', 1] })).toBe(`kind: ResourceList
items:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: p
      annotations:
        config.kubernetes.io/index: '0'
  - kind: Pod
    metadata:
      annotations:
        ${KEY}: ${QVAL}
`);
  });

  test('CRLF files get CRLF lines', () => {
    const input = 'kind: Pod\r\nmetadata:\r\n  name: p\r\n';
    expect(annotate(input)).toBe(`kind: Pod\r\nmetadata:\r\n  name: p\r\n  annotations:\r\n    ${KEY}: ${QVAL}\r\n`);
  });

  test('no trailing newline', () => {
    expect(annotate('kind: Pod\nmetadata:\n  name: p')).toBe(`kind: Pod\nmetadata:\n  name: p\n  annotations:\n    ${KEY}: ${QVAL}`);
  });

  test('an annotation together with an image edit at the end of the resource', () => {
    const input = 'kind: Pod\nspec:\n  containers:\n  - image: nginx\n---\nkind: Pod\n';
    const docs = parseYamlStream(input);
    const root = docs[0]?.node;
    if (!root) throw new Error('no root');
    const out = applyEdits(input, [
      { kind: 'annotation', resource: root, key: KEY, value: VAL },
      { kind: 'scalar', node: resolvePath(root, IMG0) as never, value: 'r.io/nginx' },
    ]);
    expect(out).toBe(`kind: Pod\nspec:\n  containers:\n  - image: r.io/nginx\nmetadata:\n  annotations:\n    ${KEY}: ${QVAL}\n---\nkind: Pod\n`);
  });

  test('two annotation edits on one resource are merged', () => {
    const input = 'kind: Pod\n';
    const root = parseYamlStream(input)[0]?.node;
    if (!root) throw new Error('no root');
    const out = applyEdits(input, [
      { kind: 'annotation', resource: root, key: 'a', value: '1' },
      { kind: 'annotation', resource: root, key: 'b', value: '2' },
    ]);
    expect(out).toBe('kind: Pod\nmetadata:\n  annotations:\n    a: "1"\n    b: "2"\n');
  });

  test('an awkward key is quoted', () => {
    expect(annotate('kind: Pod\n', { key: 'a: b' })).toBe(`kind: Pod\nmetadata:\n  annotations:\n    "a: b": ${QVAL}\n`);
  });

  test('annotations that are not a mapping are an error', () => {
    const input = 'metadata:\n  annotations: [a]\n';
    const root = parseYamlStream(input)[0]?.node;
    expect(() => applyEdits(input, [{ kind: 'annotation', resource: root as never, key: KEY, value: VAL }])).toThrow(/metadata.annotations is not a mapping/);
  });
});

// ---------------------------------------------------------------------------

describe('append edits (results: in a ResourceList)', () => {
  const RESULTS = 'results:\n- message: "hi"\n  severity: info\n';

  test('appended at the end of the root mapping, after an annotation at the same spot', () => {
    const input = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- kind: Pod
  spec:
    containers:
    - image: nginx # c
`;
    const list = parseYamlStream(input)[0]?.node;
    if (!list) throw new Error('no list');
    const item = resolvePath(list, ['items', 0]);
    const out = applyEdits(input, [
      { kind: 'append', mapping: list, key: 'results', block: RESULTS },
      { kind: 'annotation', resource: item as never, key: KEY, value: VAL },
      { kind: 'scalar', node: resolvePath(list, ['items', 0, 'spec', 'containers', 0, 'image']) as never, value: 'r.io/nginx' },
    ]);
    expect(out).toBe(`apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- kind: Pod
  spec:
    containers:
    - image: r.io/nginx # c
  metadata:
    annotations:
      ${KEY}: ${QVAL}
results:
- message: "hi"
  severity: info
`);
    expect((loadAll(out)[0] as { results: unknown }).results).toEqual([{ message: 'hi', severity: 'info' }]);
  });

  test('a block without the key line gets one', () => {
    const input = 'kind: ResourceList\nitems: []\n';
    const list = parseYamlStream(input)[0]?.node as never;
    expect(applyEdits(input, [{ kind: 'append', mapping: list, key: 'results', block: '- message: x\n' }])).toBe('kind: ResourceList\nitems: []\nresults:\n- message: x\n');
  });

  test('an existing results entry is replaced', () => {
    const input = 'kind: ResourceList\nresults:\n- message: old\nitems: [] # c\n';
    const list = parseYamlStream(input)[0]?.node as never;
    expect(applyEdits(input, [{ kind: 'append', mapping: list, key: 'results', block: RESULTS }])).toBe('kind: ResourceList\nresults:\n- message: "hi"\n  severity: info\nitems: [] # c\n');
  });

  test('CRLF', () => {
    const input = 'kind: ResourceList\r\nitems: []\r\n';
    const list = parseYamlStream(input)[0]?.node as never;
    expect(applyEdits(input, [{ kind: 'append', mapping: list, key: 'results', block: RESULTS }])).toBe('kind: ResourceList\r\nitems: []\r\nresults:\r\n- message: "hi"\r\n  severity: info\r\n');
  });

  test('flow root mapping gets JSON', () => {
    const input = '{"kind": "ResourceList", "items": []}\n';
    const list = parseYamlStream(input)[0]?.node as never;
    const out = applyEdits(input, [{ kind: 'append', mapping: list, key: 'results', block: RESULTS }]);
    expect(out).toBe('{"kind": "ResourceList", "items": [], "results": [{"message":"hi","severity":"info"}]}\n');
    expect(JSON.parse(out)).toHaveProperty('results');
  });

  test('a YAML flow root keeps plain keys', () => {
    const input = '{kind: ResourceList, items: []}\n';
    const list = parseYamlStream(input)[0]?.node as never;
    expect(applyEdits(input, [{ kind: 'append', mapping: list, key: 'results', block: RESULTS }])).toBe('{kind: ResourceList, items: [], results: [{"message":"hi","severity":"info"}]}\n');
  });
});

// ---------------------------------------------------------------------------

describe('golden: helm template output', () => {
  test('images rewritten and annotated, every other byte kept', () => {
    const dir = join(__dirname, 'fixtures', 'manifest', 'helm');
    const input = readFileSync(join(dir, 'input.yaml'), 'utf8');
    const expected = readFileSync(join(dir, 'expected.yaml'), 'utf8');
    const rules = compileRules(DEFAULT_RULES);
    const edits: Edit[] = [];
    for (const doc of parseYamlStream(input, 'input.yaml')) {
      if (!doc.node) continue;
      const map: Record<string, string> = {};
      for (const f of locateImages(doc.value, rules, 'k8s')) {
        const node = resolvePath(doc.node, f.path);
        if (!node || typeof f.value !== 'string') throw new Error('unexpected');
        map[f.value] = `mirror.local/${f.value}`;
        edits.push({ kind: 'scalar', node, value: map[f.value] as string });
      }
      const keys = Object.keys(map).sort();
      if (keys.length > 0) edits.push({ kind: 'annotation', resource: doc.node, key: 'reimage.dev/mappings', value: JSON.stringify(Object.fromEntries(keys.map((k) => [k, map[k]]))) });
    }
    expect(applyEdits(input, edits)).toBe(expected);
  });
});
