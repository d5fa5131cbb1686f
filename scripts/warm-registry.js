'use strict';
// The build's code-cache warm-up copies an image, so that the functions of a copy (registry client, HTTP client,
// hashing) come precompiled too, not only those of an offline rewrite (bench/registry-copy-notes.md, fourth pass).
// The build has no registry to hand, so these are two in-memory ones on 127.0.0.1: just the distribution API a
// copy uses (ping, manifests, blobs, monolithic uploads, mounts). Build-time only: no test runs against it.
const http = require('node:http');
const { createHash, randomBytes } = require('node:crypto');

const sha = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function startRegistry() {
  const blobs = new Map(); // digest -> bytes
  const linked = new Map(); // repo -> Set of digests
  const manifests = new Map(); // `${repo}@${ref}` -> { type, body }
  const uploads = new Map(); // uuid -> repo
  const link = (repo, d) => (linked.get(repo) ?? linked.set(repo, new Set()).get(repo)).add(d);
  const putManifest = (repo, ref, type, body) => {
    const m = { type, body, digest: sha(body) };
    manifests.set(`${repo}@${ref}`, m);
    manifests.set(`${repo}@${m.digest}`, m);
    return m.digest;
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const u = new URL(req.url, 'http://x');
      const send = (status, headers = {}, data = Buffer.alloc(0)) => {
        res.writeHead(status, { 'content-length': data.length, ...headers });
        res.end(req.method === 'HEAD' ? undefined : data);
      };
      if (u.pathname === '/v2/') return send(200, { 'content-type': 'application/json' }, Buffer.from('{}'));
      let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(u.pathname);
      if (m) {
        const [, repo, ref] = m;
        if (req.method === 'PUT') return send(201, { 'docker-content-digest': putManifest(repo, ref, req.headers['content-type'], body) });
        const found = manifests.get(`${repo}@${ref}`);
        if (!found) return send(404, { 'content-type': 'application/json' }, Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'));
        return send(200, { 'content-type': found.type, 'docker-content-digest': found.digest }, found.body);
      }
      m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(u.pathname);
      if (m) {
        const [, repo, uuid] = m;
        if (req.method === 'POST') {
          const mount = u.searchParams.get('mount');
          if (mount && linked.get(u.searchParams.get('from') ?? '')?.has(mount)) {
            link(repo, mount);
            return send(201, { location: `/v2/${repo}/blobs/${mount}`, 'docker-content-digest': mount });
          }
          const id = randomBytes(8).toString('hex');
          uploads.set(id, repo);
          return send(202, { location: `/v2/${repo}/blobs/uploads/${id}?_state=warm`, range: '0-0' });
        }
        const digest = u.searchParams.get('digest');
        if (req.method !== 'PUT' || uploads.get(uuid) !== repo || sha(body) !== digest) return send(400);
        uploads.delete(uuid);
        blobs.set(digest, body);
        link(repo, digest);
        return send(201, { location: `/v2/${repo}/blobs/${digest}`, 'docker-content-digest': digest });
      }
      m = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(u.pathname);
      if (m && linked.get(m[1])?.has(m[2])) return send(200, { 'content-type': 'application/octet-stream', 'docker-content-digest': m[2] }, blobs.get(m[2]));
      return send(404);
    });
  });
  const seed = (repo, tag) => {
    const blob = (b) => {
      blobs.set(sha(b), b);
      link(repo, sha(b));
      return { digest: sha(b), size: b.length };
    };
    const children = ['amd64', 'arm64'].map((architecture) => {
      const config = { mediaType: 'application/vnd.oci.image.config.v1+json', ...blob(Buffer.from(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }))) };
      const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(randomBytes(300 << 10)) };
      const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] }));
      const type = 'application/vnd.oci.image.manifest.v1+json';
      return { mediaType: type, digest: putManifest(repo, sha(body), type, body), size: body.length, platform: { architecture, os: 'linux' } };
    });
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: children }));
    putManifest(repo, tag, 'application/vnd.oci.image.index.v1+json', index);
  };
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve({ host: `127.0.0.1:${server.address().port}`, seed, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

module.exports = { startRegistry };
