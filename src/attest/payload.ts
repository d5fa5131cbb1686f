/** The Binary Authorization "simple signing" payload that gcloud and kritis sign. */
export const PAYLOAD_TYPE = 'Google cloud binauthz container signature';

/** Canonical payload bytes for `repo` (registry/repository, no tag) at `digest`. */
export function makePayload(repo: string, digest: string): Buffer {
  // Key order and compact form match gcloud's and Go's json.Marshal output.
  const doc = {
    critical: {
      identity: { 'docker-reference': repo },
      image: { 'docker-manifest-digest': digest },
      type: PAYLOAD_TYPE,
    },
  };
  return Buffer.from(JSON.stringify(doc), 'utf8');
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
}

/**
 * True when `bytes` is an attestation payload for repo@digest. Accepts the canonical
 * form and the Go reimage's (misspelt `identitiy`, docker-reference = repo@digest).
 */
export function payloadMatches(bytes: Uint8Array | string, repo: string, digest: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch {
    return false;
  }
  const critical = field(doc, 'critical');
  if (field(critical, 'type') !== PAYLOAD_TYPE) return false;
  if (field(field(critical, 'image'), 'docker-manifest-digest') !== digest) return false;
  const identity = field(critical, 'identity') ?? field(critical, 'identitiy');
  const ref = field(identity, 'docker-reference');
  return ref === repo || ref === `${repo}@${digest}`;
}
