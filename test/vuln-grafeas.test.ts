import * as grpc from '@grpc/grpc-js';
import type { GrafeasClient } from '@google-cloud/grafeas';
import { parseReference } from '../src/reference';
import { DEFAULT_OPTIONS } from '../src/cli/options';
import { silentLogger } from '../src/util/log';
import { checkImages, type VulnCheckOptions } from '../src/vuln';
import { createGrafeasClient } from '../src/vuln/grafeas';
import { isLoopbackHost, parseHostPort } from '../src/util/google';
import { startGrafeasServer, type GrafeasServer } from './support/grafeas-server';

process.env['METADATA_SERVER_DETECTION'] = 'none';

const PARENT = 'projects/test-project';
const hex = (c: string) => c.repeat(64);
const ref = (repo: string, c = 'a') => parseReference(`gcr.io/test-project/${repo}@sha256:${hex(c)}`);
const url = (r: ReturnType<typeof ref>) => `https://${r.context}@${r.digest}`;

let g: GrafeasServer;
beforeEach(async () => {
  g = await startGrafeasServer();
});
afterEach(async () => g.stop());

function opts(over: Partial<VulnCheckOptions> = {}): VulnCheckOptions {
  return {
    ...DEFAULT_OPTIONS,
    vulncheckMethod: 'grafeas',
    vulncheckMaxCvss: 7.5,
    grafeasParent: PARENT,
    grafeasEndpoint: g.endpoint,
    grafeasBaseDelayMs: 20,
    ...over,
  };
}

const lists = (kind: string) => g.calls.filter((c) => c.method === 'ListOccurrences' && String(c.request['filter']).includes(`"${kind}"`));

test('waits while discovery is PENDING/SCANNING, then reads the vulnerabilities (real client, plaintext, no credentials)', async () => {
  const img = ref('app');
  g.store.scriptDiscovery(PARENT, url(img), ['PENDING', 'SCANNING', 'FINISHED_SUCCESS']);
  g.store.addVulnerability(PARENT, url(img), { cve: 'CVE-2023-4911', score: 7.8, longDescription: 'glibc: buffer overflow' });
  g.store.addVulnerability(PARENT, url(img), { cve: 'CVE-2023-44487', score: 7.5 });
  g.store.addVulnerability(PARENT, url(img), { cve: 'CVE-2005-2541', score: 10 });
  g.store.addVulnerability(PARENT, url(ref('other')), { cve: 'CVE-OTHER', score: 10 });

  const res = await checkImages([img], opts({ vulncheckIgnoreCveList: ['CVE-2005-2541'] }), silentLogger);
  const r = res.get(img.name);
  expect(r?.error).toBeUndefined();
  // cvssScore is a proto float: 7.8 arrives as 7.800000190734863 and still formats (and compares) like Go's float32
  expect(r?.accepted.map((v) => [v.id, v.score])).toEqual([['CVE-2023-44487', 7.5]]);
  expect(r?.ignored.map((v) => v.id)).toEqual(['CVE-2005-2541']);
  expect(r?.failure).toBe(`image gcr.io/test-project/app@sha256:${hex('a')} has 1 CVEs with score > 7.50: CVE-2023-4911(7.80)`);
  // upstream records no description from Grafeas
  expect(r?.all.find((v) => v.id === 'CVE-2023-4911')).toMatchObject({ risk: 0, description: '' });

  expect(lists('DISCOVERY')).toHaveLength(3);
  expect(lists('VULNERABILITY')).toHaveLength(1);
  expect(lists('DISCOVERY')[0]?.request).toMatchObject({ parent: PARENT, filter: `((kind = "DISCOVERY") AND (resourceUrl = "${url(img)}"))` });
  expect(lists('VULNERABILITY')[0]?.request['filter']).toBe(`((kind = "VULNERABILITY") AND (resourceUrl = "${url(img)}"))`);
  for (const c of g.calls) expect(c.metadata['authorization']).toBeUndefined();
});

test('a score equal to the max passes; ids fall back to the note name; duplicates merge', async () => {
  const img = ref('eq');
  g.store.addDiscovery(PARENT, url(img), 'FINISHED_SUCCESS');
  g.store.addVulnerability(PARENT, url(img), { cve: 'CVE-2024-1', score: 7.8 });
  g.store.addVulnerability(PARENT, url(img), { cve: 'CVE-2024-1', score: 6.1 });
  g.store.add(PARENT, { resourceUri: url(img), noteName: 'projects/goog-vulnz/notes/CVE-2024-2', vulnerability: { cvssScore: 3.1 } });
  const res = await checkImages([img], opts({ vulncheckMaxCvss: 7.8 }), silentLogger);
  expect(res.get(img.name)?.accepted.map((v) => [v.id, Math.fround(v.score)])).toEqual([['CVE-2024-1', Math.fround(7.8)], ['CVE-2024-2', Math.fround(3.1)]]);
  expect(res.get(img.name)).toMatchObject({ rejected: [], failure: undefined });
});

test('follows nextPageToken', async () => {
  await g.stop();
  g = await startGrafeasServer({ pageSize: 2 });
  const img = ref('paged');
  g.store.addDiscovery(PARENT, url(img), 'FINISHED_SUCCESS');
  for (let i = 0; i < 7; i++) g.store.addVulnerability(PARENT, url(img), { cve: `CVE-2024-${i}`, score: i });
  const res = await checkImages([img], opts(), silentLogger);
  expect(res.get(img.name)?.accepted).toHaveLength(7);
  expect(lists('VULNERABILITY').map((c) => c.request['pageToken'] ?? '')).toEqual(['', '2', '4', '6']);
});

test('FINISHED_UNSUPPORTED passes with no CVEs (skipped) and lists no vulnerabilities', async () => {
  const img = ref('windows');
  g.store.addDiscovery(PARENT, url(img), 'FINISHED_UNSUPPORTED');
  const res = await checkImages([img], opts(), silentLogger);
  expect(res.get(img.name)).toMatchObject({ skipped: true, skipReason: 'Grafeas discovery: FINISHED_UNSUPPORTED', accepted: [], rejected: [] });
  expect(res.get(img.name)?.error).toBeUndefined();
  expect(lists('VULNERABILITY')).toHaveLength(0);
});

test('FINISHED_FAILED is an error for that image', async () => {
  const img = ref('broken');
  const occ = g.store.addDiscovery(PARENT, url(img), 'FINISHED_FAILED');
  g.store.update(occ.name, { discovery: { analysisStatus: 'FINISHED_FAILED', analysisStatusError: { code: 13, message: 'layer too large' } } });
  const res = await checkImages([img], opts(), silentLogger);
  expect(res.get(img.name)?.error).toBe(`vulnerability scanning of gcr.io/test-project/broken@sha256:${hex('a')} failed (discovery status FINISHED_FAILED: layer too large)`);
});

test('gives up at the timeout with the last discovery status', async () => {
  const img = ref('slow');
  g.store.addDiscovery(PARENT, url(img), 'PENDING');
  const started = Date.now();
  const res = await checkImages([img], opts({ vulncheckTimeoutMs: 400 }), silentLogger);
  expect(Date.now() - started).toBeLessThan(2000);
  expect(res.get(img.name)?.error).toBe(`timed out after 400ms waiting for vulnerability scanning of gcr.io/test-project/slow@sha256:${hex('a')} (last discovery status: PENDING)`);
  expect(lists('DISCOVERY').length).toBeGreaterThanOrEqual(3); // 20, 40, 80, 160 ms waits
});

test('a hung server is bounded by the timeout too', async () => {
  const img = ref('hung');
  g.delays.ListOccurrences = 5000;
  const started = Date.now();
  const res = await checkImages([img], opts({ vulncheckTimeoutMs: 300 }), silentLogger);
  expect(Date.now() - started).toBeLessThan(4000); // well before the server's 5 s hang ends
  expect(res.get(img.name)?.error).toMatch(/^timed out after 300ms waiting for vulnerability scanning of .*hung@sha256:a{64} \(last discovery status: NOT_FOUND\)$/);
});

test('-vulncheck-max-retries bounds the polls; a discovery that appears later is found', async () => {
  const never = ref('never');
  const res = await checkImages([never], opts({ vulncheckMaxRetries: 2 }), silentLogger);
  expect(res.get(never.name)?.error).toMatch(/^gave up after 3 checks over [\d.]+s \(-vulncheck-max-retries 2\) waiting for vulnerability scanning of .*never@sha256:a{64} \(last discovery status: NOT_FOUND\)$/);

  const later = ref('later');
  setTimeout(() => g.store.addDiscovery(PARENT, url(later), 'FINISHED_SUCCESS'), 50);
  const res2 = await checkImages([later], opts(), silentLogger);
  expect(res2.get(later.name)).toMatchObject({ accepted: [], rejected: [], skipped: false });
  expect(res2.get(later.name)?.error).toBeUndefined();
});

test('RPC errors: a transient UNAVAILABLE is retried by the client; PERMISSION_DENIED is reported', async () => {
  const img = ref('rpc');
  g.store.addDiscovery(PARENT, url(img), 'FINISHED_SUCCESS');
  g.faults.ListOccurrences = { code: grpc.status.UNAVAILABLE, details: 'try again', times: 1 };
  expect((await checkImages([img], opts(), silentLogger)).get(img.name)?.error).toBeUndefined();

  g.faults.ListOccurrences = { code: grpc.status.PERMISSION_DENIED, details: 'caller lacks containeranalysis.occurrences.list' };
  const err = (await checkImages([img], opts(), silentLogger)).get(img.name)?.error;
  expect(err).toContain(`Grafeas ListOccurrences under ${PARENT} with filter ((kind = "DISCOVERY") AND (resourceUrl = "https://gcr.io/test-project/rpc@sha256:`);
  expect(err).toContain(`")) failed for gcr.io/test-project/rpc@sha256:`);
  expect(err).toContain('PERMISSION_DENIED: caller lacks containeranalysis.occurrences.list');
});

test('many images run in parallel over one client', async () => {
  const imgs = Array.from({ length: 6 }, (_, i) => ref(`par${i}`, String(i)));
  for (const img of imgs) {
    g.store.scriptDiscovery(PARENT, url(img), ['PENDING', 'FINISHED_SUCCESS']);
    g.store.addVulnerability(PARENT, url(img), { cve: 'CVE-1', score: 5 });
  }
  const res = await checkImages(imgs, opts({ concurrency: 6 }), silentLogger);
  for (const img of imgs) expect(res.get(img.name)?.accepted.map((v) => [v.id, v.score])).toEqual([['CVE-1', 5]]);
});

describe('endpoint handling', () => {
  test('HOST:PORT parsing and loopback detection', () => {
    expect(parseHostPort('grafeas-endpoint', '127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHostPort('grafeas-endpoint', '[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(parseHostPort('grafeas-endpoint', 'grafeas.example.com')).toEqual({ host: 'grafeas.example.com', port: 443 });
    expect(() => parseHostPort('grafeas-endpoint', 'a:b:c')).toThrow(/HOST:PORT/);
    expect(['localhost', '127.0.0.1', '127.1.2.3', '::1', 'x.localhost'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'containeranalysis.googleapis.com', '127.0.0.1.nip.io'].some(isLoopbackHost)).toBe(false);
  });

  test('loopback: plaintext and a pass-through auth client; elsewhere: TLS + ADC via servicePath/port', async () => {
    type Opts = { servicePath?: string; port?: number; sslCreds?: unknown; authClient?: unknown };
    const optsOf = (c: unknown) => (c as { _opts: Opts })._opts;
    const local = createGrafeasClient('localhost:9999');
    const remote = createGrafeasClient('grafeas.example.com:8443');
    const dflt = createGrafeasClient('');
    try {
      expect(optsOf(local)).toMatchObject({ servicePath: 'localhost', port: 9999 });
      expect(optsOf(local).sslCreds).toBeDefined();
      expect(optsOf(local).authClient?.constructor.name).toBe('PassThroughClient');
      expect(optsOf(remote)).toMatchObject({ servicePath: 'grafeas.example.com', port: 8443 });
      expect(optsOf(remote).sslCreds).toBeUndefined();
      expect(optsOf(remote).authClient).toBeUndefined();
      expect(optsOf(dflt)).toMatchObject({ servicePath: 'containeranalysis.googleapis.com', port: 443 });
    } finally {
      await Promise.all([local, remote, dflt].map((c) => c.close?.()));
    }
  });
});

describe('the test server (shared with attestation tests)', () => {
  test('create, batch create, get, list by noteName, delete through the real client', async () => {
    const client = createGrafeasClient(g.endpoint) as unknown as GrafeasClient;
    try {
      const resourceUri = url(ref('att'));
      const [created] = await client.createOccurrence({
        parent: PARENT,
        occurrence: { resourceUri, noteName: 'projects/p/notes/attestor', attestation: { serializedPayload: Buffer.from('{"a":1}'), signatures: [{ signature: Buffer.from([1, 2]), publicKeyId: 'k1' }] } },
      });
      expect(created.kind).toBe('ATTESTATION');
      expect(created.name).toMatch(/^projects\/test-project\/occurrences\/\d+$/);
      const [got] = await client.getOccurrence({ name: created.name as string });
      expect(Buffer.from(got.attestation?.serializedPayload as Uint8Array).toString()).toBe('{"a":1}');
      const [batch] = await client.batchCreateOccurrences({ parent: PARENT, occurrences: [{ resourceUri, noteName: 'projects/p/notes/other', attestation: {} }] });
      expect(batch.occurrences).toHaveLength(1);
      const [byNote] = await client.listOccurrences({ parent: PARENT, filter: `kind="ATTESTATION" AND noteName="projects/p/notes/attestor" AND resourceUrl="${resourceUri}"` });
      expect(byNote.map((o) => o.name)).toEqual([created.name]);
      const [either] = await client.listOccurrences({ parent: PARENT, filter: `(noteName = "projects/p/notes/attestor" OR noteName = "projects/p/notes/other")` });
      expect(either).toHaveLength(2);
      await client.deleteOccurrence({ name: created.name as string });
      await expect(client.getOccurrence({ name: created.name as string })).rejects.toThrow(/NOT_FOUND/);
      await expect(client.listOccurrences({ parent: PARENT, filter: 'bogus = "x"' })).rejects.toThrow(/INVALID_ARGUMENT.*unknown field bogus/);
      expect(g.calls.map((c) => c.method)).toEqual(['CreateOccurrence', 'GetOccurrence', 'BatchCreateOccurrences', 'ListOccurrences', 'ListOccurrences', 'DeleteOccurrence', 'GetOccurrence', 'ListOccurrences']);
    } finally {
      await client.close();
    }
  });
});
