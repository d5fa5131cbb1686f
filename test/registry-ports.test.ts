/**
 * Issue 8 item 17: registries on ports that fetch refuses (the fetch spec's "bad ports": 6000, 6666, 5060, ...).
 * The transport uses undici's dispatcher API, which has no such list; these run the real docker-registry there.
 */
import { createServer } from 'node:net';
import { parseReference } from '../src/reference';
import { createRegistryClient } from '../src/registry';
import { silentLogger } from '../src/util/log';
import { runCli } from './support/cli';
import { startFaultProxy } from './support/fault-proxy';
import { inspectRaw, pushTestImage, type PushedImage } from './support/images';
import { startRegistry, type TestRegistry } from './support/registry';

const ref = parseReference;
const client = () => createRegistryClient({ log: silentLogger, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 }, timeoutMs: 5000 });
const deployment = (image: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: ${image}\n`;

let src: TestRegistry;
let img: PushedImage;
beforeAll(async () => {
  src = await startRegistry();
  img = await pushTestImage(src, 'h/app', 'v1', { platforms: 2, layerBytes: 4096 });
}, 60_000);

/** The first of `ports` nothing listens on (a fixed port may be taken by another test run). */
async function freePort(ports: readonly number[]): Promise<number | undefined> {
  for (const port of ports) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  return undefined;
}

// Ports on the fetch spec's "bad ports" list, which undici's fetch refuses outright.
const BLOCKED = [6000, 6665, 6666, 6667, 6668, 6669, 5060, 5061, 6697, 4190, 6566, 10080, 2049, 3659];

describe('registries on ports that fetch blocks', () => {
  it('resolves, copies to and re-copies onto a real docker-registry on a blocked port', async () => {
    const port = await freePort(BLOCKED);
    if (port === undefined) throw new Error(`every blocked port in ${BLOCKED.join(',')} is taken`);
    const blocked = await startRegistry({ port });
    expect(blocked.host).toBe(`127.0.0.1:${port}`);
    const c = client();
    const stats = await c.copy(ref(img.ref), ref(`${blocked.host}/mirror/app:v1`), { noClobber: true });
    expect(stats.digest).toBe(img.digest);
    expect((await inspectRaw(blocked, 'mirror/app:v1')).digest).toBe(img.digest);
    expect(await client().resolve(ref(`${blocked.host}/mirror/app:v1`))).toBe(img.digest);
    const again = await client().copy(ref(img.ref), ref(`${blocked.host}/mirror/app:v1`), { noClobber: true });
    expect(again.blobsUploaded).toBe(0);
    await blocked.stop();
  });

  it('through the CLI, with the source behind a fault proxy on another blocked port', async () => {
    const p1 = await freePort(BLOCKED);
    if (p1 === undefined) throw new Error('no blocked port free');
    const front = await startFaultProxy(src.host, [], { port: p1 });
    const p2 = await freePort(BLOCKED.filter((p) => p !== p1));
    if (p2 === undefined) throw new Error('no second blocked port free');
    const target = await startRegistry({ port: p2 });
    const r = await runCli(['-rename-remote-path', `${target.host}/m`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:v1'], deployment(`${front.host}/h/app:v1`));
    expect(r.stderr).not.toMatch(/error|bad port/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: ${target.host}/m/h/app:v1`);
    expect((await inspectRaw(target, 'm/h/app:v1')).digest).toBe(img.digest);
    await Promise.all([front.stop(), target.stop()]);
  });
});

