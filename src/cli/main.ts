#!/usr/bin/env node
// Entry point: tunes V8 first (before any code is compiled), then runs the bundle with its code cache when
// `npm run build` made one (src/cli/launch.ts), else the modules next to this file (src/cli/entry.ts).
import { tuneV8 } from './v8flags';
tuneV8();
import * as path from 'node:path';
import { runBundle } from './launch';

/** Set by scripts/bundle.js: inside the bundle, just run. */
declare const REIMAGE_BUNDLED: boolean | undefined;

if (typeof REIMAGE_BUNDLED !== 'undefined' || runBundle(path.join(__dirname, '..', 'bundle', 'reimage.js'), __filename) === undefined) {
  require('./entry');
}
