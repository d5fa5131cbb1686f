// V8 tiering for a short-lived CLI. With the default budget TurboFan compiles ~60 functions of a 20-image copy
// on background threads (~0.1 s CPU of 0.6 s) that never pay back; 16x the budget tiers up only code that is
// really hot (large manifests keep their speed). Measured in bench/registry-copy-notes.md "Start-up and V8 tiering".
// Only tiering flags: they are safe to set at run time (GC flags are not). A V8 code cache is valid only under the
// same flags, so whoever compiles the bundle with a cache (src/cli/launch.ts, scripts/container-main.js) sets
// these first.
import { setFlagsFromString } from 'node:v8';

export const V8_FLAGS = '--interrupt-budget=1081344';

let applied = false;

export function tuneV8(): void {
  if (applied) return;
  applied = true;
  // Flags the user gave node (NODE_OPTIONS, `node --interrupt-budget=...`) win.
  if (/--interrupt[-_]budget/.test(`${process.execArgv.join(' ')} ${process.env['NODE_OPTIONS'] ?? ''}`)) return;
  setFlagsFromString(V8_FLAGS);
}
