// Entry point of the container image (/app/main.js, built by scripts/bundle.js): runs the bundle next to it
// (/app/reimage.js) with the V8 code cache the image build made, the same way dist/cli/main.js does.
import { tuneV8 } from './v8flags';
tuneV8();
import * as path from 'node:path';
import { runBundle } from './launch';

// No node_modules in the image: the bundle resolves nothing from disk.
if (runBundle(path.join(__dirname, 'reimage.js'), undefined, { modulePaths: [] }) === undefined) {
  process.stderr.write(`reimage: internal error: ${path.join(__dirname, 'reimage.js')} is missing from the image\n`);
  process.exitCode = 70;
}
