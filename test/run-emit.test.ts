/** The output stage's rule (issue 8 item 1): a ResourceList in means a ResourceList out, or nothing and an error. */
import { checkOutput, emitOutput, MAPPINGS_ONLY_WITH_STDIN } from '../src/run/emit';

const LIST = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n';

function io(hasData = false): { written: string[]; stdout(t: string): Promise<void>; stdinHasData(): Promise<boolean> } {
  const written: string[] = [];
  return { written, stdout: async (t) => void written.push(t), stdinHasData: async () => hasData };
}

test('a ResourceList with as many items passes and is written', async () => {
  const out = io();
  await emitOutput(checkOutput({ kind: 'krm', text: LIST, items: 1 }), out);
  expect(out.written).toEqual([LIST]);
});

test.each([
  ['empty text', '', 1],
  ['a stream instead of a list', 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n', 1],
  ['an item lost', LIST, 2],
  ['not YAML', 'kind: ResourceList\nitems: [\n', 1],
])('refused before anything is written: %s', (_name, text, items) => {
  expect(() => checkOutput({ kind: 'krm', text, items })).toThrow(/refusing to print/);
});

test('an empty stream for non-empty input is refused; for empty input it is fine', async () => {
  expect(() => checkOutput({ kind: 'stream', text: '', nonEmpty: true })).toThrow(/empty stream/);
  const out = io();
  await emitOutput(checkOutput({ kind: 'stream', text: '', nonEmpty: false }), out);
  expect(out.written.join('')).toBe('');
});

test('no output at all is refused when stdin holds data', async () => {
  await expect(emitOutput(checkOutput({ kind: 'none' }), io(true))).rejects.toThrow(MAPPINGS_ONLY_WITH_STDIN);
  await expect(emitOutput(checkOutput({ kind: 'none' }), io(false))).resolves.toBeUndefined();
});
