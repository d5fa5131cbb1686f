/**
 * The OCI 1.1 referrers API in front of a Debian docker-registry (distribution 2.8 has none), answered from
 * the registry's own storage: every manifest revision of the repository whose `subject` names the digest.
 * The response is the spec's: 200, an OCI image index of descriptors carrying artifactType and annotations,
 * Content-Type application/vnd.oci.image.index.v1+json, the artifactType filter with OCI-Filters-Applied,
 * 400 for a malformed digest. Everything else is forwarded to the registry untouched.
 *
 * API
 *   startReferrersProxy(reg: {host, storageDir}, opts?: {extraHeaders?: Record<string,string>}): Promise<ReferrersProxy>
 *     extraHeaders are added to every forwarded response (e.g. RateLimit-Limit/-Remaining).
 *   ReferrersProxy { host, url, referrersRequests(): number, stop() }
 */
import { readdir, readFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { listenOnLoopback, stopper } from './listen';

export interface ReferrersProxy {
  host: string;
  url: string;
  referrersRequests(): number;
  stop(): Promise<void>;
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface Stored {
  mediaType?: string;
  artifactType?: string;
  config?: { mediaType?: string };
  manifests?: unknown[];
  subject?: { digest?: string };
  annotations?: Record<string, string>;
}

async function referrersOf(storageDir: string, repo: string, digest: string, artifactType: string | undefined): Promise<object[]> {
  const v2 = join(storageDir, 'docker', 'registry', 'v2');
  let revisions: string[] = [];
  try {
    revisions = await readdir(join(v2, 'repositories', repo, '_manifests', 'revisions', 'sha256'));
  } catch {
    return [];
  }
  const out: object[] = [];
  for (const hex of revisions.sort()) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'));
    } catch {
      continue;
    }
    const m = JSON.parse(bytes.toString('utf8')) as Stored;
    if (m.subject?.digest !== digest) continue;
    const isIndex = Array.isArray(m.manifests);
    const type = m.artifactType ?? (isIndex ? undefined : m.config?.mediaType);
    if (artifactType !== undefined && type !== artifactType) continue;
    out.push({
      mediaType: m.mediaType ?? (isIndex ? OCI_INDEX : OCI_MANIFEST),
      digest: `sha256:${hex}`,
      size: bytes.length,
      ...(type !== undefined ? { artifactType: type } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
    });
  }
  return out;
}

export async function startReferrersProxy(reg: { host: string; storageDir: string }, opts: { extraHeaders?: Record<string, string> } = {}): Promise<ReferrersProxy> {
  let count = 0;
  const [upHost, upPort] = reg.host.split(':') as [string, string];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const m = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      count++;
      req.resume();
      const [, repo = '', digest = ''] = m;
      if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'invalid digest' }] }));
        return;
      }
      const filter = url.searchParams.get('artifactType') ?? undefined;
      referrersOf(reg.storageDir, repo, digest, filter).then(
        (manifests) => {
          const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
          res.writeHead(200, { 'content-type': OCI_INDEX, 'content-length': String(body.length), ...(filter !== undefined ? { 'oci-filters-applied': 'artifactType' } : {}) });
          res.end(body);
        },
        (e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        },
      );
      return;
    }
    const up = httpRequest({ host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: { ...req.headers, host: reg.host } }, (upRes) => {
      const headers = { ...upRes.headers, ...opts.extraHeaders };
      // Upload Locations point at the registry; send them back through the proxy.
      if (typeof headers.location === 'string') headers.location = headers.location.replace(`//${reg.host}`, `//127.0.0.1:${port}`);
      res.writeHead(upRes.statusCode ?? 502, headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const port = await listenOnLoopback(server);
  const stop = stopper(server);
  return { host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, referrersRequests: () => count, stop };
}
