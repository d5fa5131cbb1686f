// V8 tiering for a short-lived CLI. With V8's default budget TurboFan compiles ~60 functions of a 20-image copy on
// background threads (~0.07 s CPU of 0.45 s) that never pay back; 16x the budget tiers up only really hot code.
// Big inputs get the default back (their parse and edit loops pay for early tier-up). Measured in
// bench/registry-copy-notes.md, "Start-up and V8 tiering". Only tiering flags: safe to set at run time (GC flags
// are not). V8 takes a code cache only under the flags it was made with, so whoever compiles the bundle with one
// (src/cli/launch.ts, from dist/cli/main.js and from the container entry src/cli/container.ts) sets V8_FLAGS first.
import { setFlagsFromString } from 'node:v8';

export const V8_FLAGS = '--interrupt-budget=1081344';
const V8_DEFAULT = '--interrupt-budget=67584';
/** From this much input on, the default budget is faster: 20k Deployments (9.7 MB) lose 12 % wall without it. */
export const BIG_INPUT = 1 << 20;

let state: 'untouched' | 'raised' | 'left' = 'untouched';

export function tuneV8(): void {
  if (state !== 'untouched') return;
  // a budget the user gave node (`node --interrupt-budget=...`, NODE_OPTIONS) wins
  if (/--interrupt[-_]budget/.test(`${process.execArgv.join(' ')} ${process.env['NODE_OPTIONS'] ?? ''}`)) {
    state = 'left';
    return;
  }
  setFlagsFromString(V8_FLAGS);
  state = 'raised';
}

/** V8's own budget again once the input is known to be big (each function picks it up as its budget next runs out). */
export function tuneV8ForInput(bytes: number): void {
  if (state !== 'raised' || bytes < BIG_INPUT) return;
  setFlagsFromString(V8_DEFAULT);
  state = 'left';
}
