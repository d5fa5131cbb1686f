/**
 * The Go tool's TestEnsureRemapper, translated: two real registries; an image pushed to the first under its tag and
 * `latest`; a History from the first name to a name in the second; the ensure remapper copies it, and the copy has
 * the original's digest. Plus what the Go test leaves implicit: a second run copies nothing, -dryrun copies nothing.
 */
import { createRegistryClient } from '../src/registry';
import type { ImageRegistry } from '../src/registry/types';
import { parseReference } from '../src/reference';
import { ensureRemapper, History } from '../src/remap';
import type { RemapContext } from '../src/remap';
import { silentLogger } from '../src/util/log';
import { pushTestImage, skopeoCopy } from './support/images';
import { startRegistry } from './support/registry';
import type { TestRegistry } from './support/registry';

let s1: TestRegistry;
let s2: TestRegistry;
let registry: ImageRegistry;
let ctx: RemapContext;

beforeAll(async () => {
  [s1, s2] = await Promise.all([startRegistry(), startRegistry()]);
  registry = createRegistryClient({ log: silentLogger, insecureRegistries: [s1.host, s2.host] });
  ctx = { registry: () => registry, log: silentLogger };
}, 60_000);
afterAll(async () => {
  await Promise.all([s1?.stop(), s2?.stop()]);
});

test('TestEnsureRemapper: the copy in the second registry has the original digest', async () => {
  // Go: random.Image(1024, 5) pushed as u1/test/img1, then tagged latest.
  const img = await pushTestImage(s1, 'test/img1', 'v1', { platforms: 1, layers: 5, layerBytes: 1024, seed: `ensure-${Date.now()}` });
  await skopeoCopy({ reg: s1, ref: 'test/img1:v1' }, { reg: s1, ref: 'test/img1:latest' });
  const src = parseReference(`${s1.host}/test/img1`);
  const dst = parseReference(`${s2.host}/imported/test/img1`);

  const h = new History(src);
  h.add(dst);
  await ensureRemapper({ noClobber: true, dryRun: false }).remap(h, ctx);

  const newDigest = await registry.resolve(dst);
  expect(newDigest).toBe(img.digest);
  expect(h.digest).toBe(img.digest);
});

test('an existing target with the same digest is left alone; -dryrun copies nothing', async () => {
  const img = await pushTestImage(s1, 'test/img2', 'v1', { seed: `ensure2-${Date.now()}` });
  const src = parseReference(img.ref);
  const copied: string[] = [];
  const ensure = (dryRun: boolean): ReturnType<typeof ensureRemapper> => ensureRemapper({ noClobber: true, dryRun, onCopied: (_s, d) => copied.push(d) });

  const dry = new History(src);
  dry.add(parseReference(`${s2.host}/dry/img2:v1`));
  await ensure(true).remap(dry, ctx);
  expect(await registry.digestIfExists(parseReference(`${s2.host}/dry/img2:v1`))).toBeUndefined();

  for (let i = 0; i < 2; i++) {
    const h = new History(src);
    h.add(parseReference(`${s2.host}/imported/img2:v1`));
    await ensure(false).remap(h, ctx);
  }
  expect(copied).toEqual([`${s2.host}/imported/img2:v1`]);
  expect(await registry.resolve(parseReference(`${s2.host}/imported/img2:v1`))).toBe(img.digest);
});
