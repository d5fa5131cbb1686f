/**
 * The output stage: the one place that writes stdout. Its rule protects kpt users: kpt deletes every file of a
 * package when a function exits 0 with empty stdout, so when the input is a ResourceList the output is a
 * ResourceList, or nothing and a non-zero exit. -mappings-only (no output at all) is allowed only when stdin
 * holds no data, checked again here in case a ResourceList arrived late.
 */
import { loadYamlValues } from '../manifest';
import { ReimageError, UsageError } from '../util/errors';
import { isRecord } from '../util/record';

export type OutputPlan =
  | { kind: 'krm'; text: string; items: number }
  | { kind: 'stream'; text: string; /** the input had content, so empty output would be a loss */ nonEmpty?: boolean }
  | { kind: 'none' };

export interface OutputIo {
  stdout(text: string): Promise<void>;
  stdinHasData(): Promise<boolean>;
}

export const MAPPINGS_ONLY_WITH_STDIN =
  '-mappings-only reads no manifests, but stdin has data (a ResourceList from kpt, or a manifest stream): ' +
  'printing nothing would make kpt delete the package; run -mappings-only with stdin from /dev/null, or drop it';

/** Checks that `text` is one ResourceList document with `items` items; cheap next to the run, and it never guesses. */
function checkResourceList(text: string, items: number): void {
  let doc: unknown;
  try {
    // Read as the input was read (kpt's `!!merge <<` keys included); more than one document is not a ResourceList.
    const docs = loadYamlValues(text);
    doc = docs.length === 1 ? docs[0] : undefined;
  } catch (e) {
    throw new ReimageError(`refusing to print output that does not parse back as YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const rec = isRecord(doc) ? doc : undefined;
  const got = rec?.['items'];
  if (!rec || rec['kind'] !== 'ResourceList' || !Array.isArray(got) || got.length !== items) {
    throw new ReimageError('refusing to print output that is not the ResourceList that came in');
  }
}

declare const CHECKED: unique symbol;
/** An output that passed checkOutput; emitOutput takes nothing else. */
export type CheckedOutput = OutputPlan & { readonly [CHECKED]: true };

/**
 * Checks the rendered output before any side effect (the pipeline calls it right after rendering): a KRM output
 * must read back as a ResourceList with as many items as came in, a stream for non-empty input must not be empty.
 */
export function checkOutput(plan: OutputPlan): CheckedOutput {
  if (plan.kind === 'krm') checkResourceList(plan.text, plan.items);
  if (plan.kind === 'stream' && plan.nonEmpty === true && plan.text === '') throw new ReimageError('refusing to print an empty stream for non-empty input');
  return plan as CheckedOutput;
}

/** Writes the checked output last, or throws without writing a byte. */
export async function emitOutput(plan: CheckedOutput, io: OutputIo): Promise<void> {
  if (plan.kind === 'none') {
    // Checked again at the very end: a ResourceList may have arrived after the first look.
    if (await io.stdinHasData()) throw new UsageError(MAPPINGS_ONLY_WITH_STDIN);
    return;
  }
  await io.stdout(plan.text);
}
