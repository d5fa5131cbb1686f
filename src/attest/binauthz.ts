/** Binary Authorization attestor lookup: one REST GET, no generated client exists for Node. */
import { ReimageError, UsageError } from '../util/errors';
import type { Logger } from '../util/log';
import { isLoopbackHost, loadGax } from '../util/google';
import type { Attestor, AttestorKey } from './types';

export const KMS_KEY_ID_PREFIX = '//cloudkms.googleapis.com/v1/';
const ATTESTOR_NAME = /^projects\/[^/\s]+\/attestors\/[^/\s]+$/;

/** KMS key version name from an attestor key id or a -gcp-kms-key value. */
export function kmsKeyName(id: string): string {
  return id.startsWith(KMS_KEY_ID_PREFIX) ? id.slice(KMS_KEY_ID_PREFIX.length) : id;
}

interface HttpClient {
  request<T>(opts: { url: string; method: 'GET'; responseType: 'json'; timeout: number; fetchImplementation: typeof fetch }): Promise<{ data: T }>;
}

async function httpClient(endpoint: URL): Promise<HttpClient> {
  const { googleAuthLibrary } = loadGax();
  // Loopback means a local stub/emulator: never look up or send credentials there.
  if (isLoopbackHost(endpoint.hostname)) return new googleAuthLibrary.PassThroughClient();
  const auth = new googleAuthLibrary.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  return auth.getClient();
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

/** Status and server message of a gaxios error, without its request config (which may hold headers). */
function describeHttpError(e: unknown): { status: number | undefined; message: string } {
  const err = obj(e);
  const response = obj(err['response']);
  const status = typeof response['status'] === 'number' ? response['status'] : typeof err['status'] === 'number' ? err['status'] : undefined;
  const serverMsg = str(obj(obj(response['data'])['error'])['message']);
  const message = serverMsg ?? (e instanceof Error ? e.message : String(e));
  return { status, message: status ? `HTTP ${status}: ${message}` : message };
}

export function parseAttestor(name: string, body: unknown): Attestor {
  const note = obj(obj(body)['userOwnedGrafeasNote']);
  const noteReference = str(note['noteReference']);
  if (!noteReference) throw new ReimageError(`binauthz attestor ${name}: no userOwnedGrafeasNote.noteReference`);
  const keys = Array.isArray(note['publicKeys']) ? note['publicKeys'] : [];
  const publicKeys: AttestorKey[] = [];
  for (const k of keys) {
    const id = str(obj(k)['id']);
    if (!id) continue;
    const pkix = obj(obj(k)['pkixPublicKey']);
    publicKeys.push({ id, pem: str(pkix['publicKeyPem']), signatureAlgorithm: str(pkix['signatureAlgorithm']) });
  }
  return { name, noteReference, publicKeys };
}

/** GET {endpoint}/v1/{attestor}. Throws a ReimageError naming the attestor on any failure. */
export async function lookupAttestor(attestor: string, endpoint: string): Promise<Attestor> {
  if (!ATTESTOR_NAME.test(attestor)) throw new UsageError(`-binauthz-attestor: want projects/P/attestors/A, got ${JSON.stringify(attestor)}`);
  let base: URL;
  try {
    base = new URL(endpoint);
  } catch {
    throw new UsageError(`-binauthz-endpoint: not a URL: ${JSON.stringify(endpoint)}`);
  }
  const url = `${base.href.replace(/\/+$/, '')}/v1/${attestor}`;
  let body: unknown;
  try {
    const client = await httpClient(base);
    // Node's own fetch: gaxios would otherwise import() node-fetch, which fails under jest's VM.
    body = (await client.request<unknown>({ url, method: 'GET', responseType: 'json', timeout: 60_000, fetchImplementation: fetch })).data;
  } catch (e) {
    const { status, message } = describeHttpError(e);
    if (status === 404) throw new ReimageError(`binauthz attestor ${attestor} not found (GET ${url})`);
    throw new ReimageError(`looking up binauthz attestor ${attestor}: ${message}`, { cause: e });
  }
  return parseAttestor(attestor, body);
}

/**
 * The signing key: -gcp-kms-key if given, else the attestor's first key (as the Go tool does).
 * The returned id is the attestor's own spelling, since BinAuthz matches publicKeyId against it.
 */
export function selectKey(attestor: Attestor, gcpKmsKey: string, log: Logger): AttestorKey {
  if (gcpKmsKey === '') {
    const first = attestor.publicKeys[0];
    if (!first) throw new ReimageError(`binauthz attestor ${attestor.name} lists no public keys; could not determine signing key, use -gcp-kms-key`);
    return first;
  }
  const want = kmsKeyName(gcpKmsKey);
  const listed = attestor.publicKeys.find((k) => kmsKeyName(k.id) === want);
  if (listed) return listed;
  log.warn('-gcp-kms-key is not among the attestor public keys; Binary Authorization will not accept its attestations', {
    attestor: attestor.name,
    key: gcpKmsKey,
  });
  return { id: gcpKmsKey, pem: undefined, signatureAlgorithm: undefined };
}
