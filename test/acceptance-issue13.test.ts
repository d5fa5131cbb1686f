/**
 * QA pass on issue 13 from the outside, through the built CLI: one document per row of the table in
 * variations of its own (other apiVersions, several containers, init/ephemeral containers, image volumes, pods[]
 * and replicas[] lists, inline DAG/steps containers, executor plugins), plus the "left alone" cases.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { runCli } from './support/cli';

const INPUT = fs.readFileSync(path.join(__dirname, 'fixtures/acceptance-issue13/variants.yaml'), 'utf8');
const DEPLOYED = [...new Set(INPUT.match(/reg\.example\/[a-z0-9/._-]+:\d+/g) ?? [])].filter(
  (i) => !['reg.example/status/pod:1', 'reg.example/push/target:1'].includes(i),
);
const LEFT_ALONE = ['reg.example/status/pod:1', 'reg.example/push/target:1', 'reg.example/flux/scanned', 'image: foo', 'image: debian', 'xpkg.upbound.io/crossplane-contrib/provider-aws:v0.1'];
const target = (image: string): string => `mirror.qa2.test/x@sha256:${createHash('sha256').update(image).digest('hex')}`;

let mappings: string;
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reimage-acc13-'));
  mappings = path.join(dir, 'mappings.json');
  // the left-alone images are mapped too: only where they sit keeps them from being rewritten
  const all = [...DEPLOYED, 'reg.example/status/pod:1', 'reg.example/push/target:1', 'reg.example/flux/scanned', 'foo', 'debian'];
  fs.writeFileSync(mappings, JSON.stringify(Object.fromEntries(all.map((i) => [i, { tag: target(i), digest: target(i).split('@')[1] }]))));
});
const STATIC = (): string[] => ['-static-json-mappings-file', mappings, '-verify-static-json-mappings=false', '-no-copy'];
const listed = (stdout: string): string[] => stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t')[2] as string);

test('every deployable image is rewritten; nothing else changes but the images and the mappings annotation', async () => {
  const r = await runCli(STATIC(), INPUT);
  expect(r.code).toBe(0);
  for (const image of DEPLOYED) expect(r.stdout).toContain(target(image));
  for (const kept of LEFT_ALONE) expect(r.stdout).toContain(kept);
  const strip = (s: string): string => s.replace(/, annotations: \{reimage\.dev\/mappings: "[^\n]*"\}\}/g, '}');
  let restored = strip(r.stdout);
  for (const image of DEPLOYED) restored = restored.split(target(image)).join(image);
  expect(restored).toBe(INPUT);
});

test('-list-images names each deployable field once, and no left-alone one', async () => {
  const r = await runCli(['-list-images'], INPUT);
  expect(r.code).toBe(0);
  expect(listed(r.stdout).sort()).toEqual([...DEPLOYED].sort());
  const json = JSON.parse((await runCli(['-list-images', '-o', 'json'], INPUT)).stdout) as Array<{ image: string; path: string }>;
  expect(json.map((e) => e.image).sort()).toEqual([...DEPLOYED].sort());
  expect(r.stderr).not.toMatch(/\[warning\]/);
});

test('-find-podspecs=false and -default-rules=false each drop their part, and what they drop is warned about', async () => {
  const noPods = await runCli(['-list-images', '-find-podspecs=false'], INPUT);
  expect(listed(noPods.stdout)).not.toContain('reg.example/kruise/c1:1');
  expect(listed(noPods.stdout)).toContain('reg.example/tekton/step-a:1');
  expect(listed(noPods.stdout)).toContain('reg.example/pod/c:1'); // a Pod is a built-in kind, not a found pod spec
  expect(noPods.stderr).toContain('apps.kruise.io/v1beta1/StatefulSet/kss spec.template.spec.containers[0].image');
  const noRules = await runCli(['-list-images', '-default-rules=false'], INPUT);
  expect(listed(noRules.stdout)).toContain('reg.example/kruise/c1:1');
  expect(listed(noRules.stdout)).not.toContain('reg.example/tekton/step-a:1');
  expect(noRules.stderr).toContain('tekton.dev/v1beta1/Task/tt spec.steps[0].image');
  expect(noRules.stderr).not.toContain('push/target'); // a push target is never an image to pin
});
