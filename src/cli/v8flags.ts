// V8 flags for a short-lived CLI, set at run time before any other code runs:
// - tiering: with V8's default budget TurboFan compiles ~60 functions of a 20-image copy on background threads
//   (~0.07 s CPU of 0.45 s) that never pay back; 16x the budget tiers up only really hot code. Big inputs get the
//   default back (their parse and edit loops pay for early tier-up). bench/registry-copy-notes.md, "Start-up and V8
//   tiering".
// - no incremental marking: V8 starts marking once old space passes 8 MB, if what is left below the first limit
//   (20 MB) is less than the young generation; a 20-image copy crosses that and pays a mark-compact with
//   concurrent marking (~12 ms CPU) it would never need. Without it the first full GC waits for the limit itself.
//   Read each time marking could start, so it takes effect at run time; a full GC is then one pause, which a
//   batch run does not mind. "Fifth pass" of the notes.
// A flag the user gave node (`node --...`, NODE_OPTIONS) wins over ours. V8 takes a code cache only under the
// flags it was made with, so whoever compiles the bundle with one (src/cli/launch.ts, from dist/cli/main.js and
// from the container entry src/cli/container.ts) calls tuneV8() first.
import { setFlagsFromString } from 'node:v8';

/** [name a user's flag would carry, our setting] */
const RUN_FLAGS: ReadonlyArray<readonly [string, string]> = [
  ['interrupt-budget', '--interrupt-budget=1081344'],
  ['incremental-marking', '--no-incremental-marking'],
];
const V8_DEFAULT_BUDGET = '--interrupt-budget=67584';
/** From this much input on, the default budget is faster: 20k Deployments (9.7 MB) lose 12 % wall without it. */
export const BIG_INPUT = 1 << 20;

let state: 'untouched' | 'raised' | 'left' = 'untouched';

/** Whether the user's node flags name `name` (either spelling, either sense: --foo-bar, --no_foo_bar). */
function userSet(name: string): boolean {
  const pattern = new RegExp(`--(no[-_])?${name.replace(/-/g, '[-_]')}(?=[=\\s]|$)`);
  return pattern.test(`${process.execArgv.join(' ')} ${process.env['NODE_OPTIONS'] ?? ''}`);
}

export function tuneV8(): void {
  if (state !== 'untouched') return;
  const ours = RUN_FLAGS.filter(([name]) => !userSet(name));
  if (ours.length > 0) setFlagsFromString(ours.map(([, flag]) => flag).join(' '));
  state = ours.some(([name]) => name === 'interrupt-budget') ? 'raised' : 'left';
}

/** V8's own budget again once the input is known to be big (each function picks it up as its budget next runs out). */
export function tuneV8ForInput(bytes: number): void {
  if (state !== 'raised' || bytes < BIG_INPUT) return;
  setFlagsFromString(V8_DEFAULT_BUDGET);
  state = 'left';
}
