/** Attestation occurrences in Grafeas: find a valid existing one, or create one (the Go GrafeasAttester). */
import type { protos } from '@google-cloud/grafeas';
import { ReimageError, describeError } from '../util/errors';
import { kmsKeyName } from './binauthz';
import { createGrafeasClient as createSharedGrafeasClient } from '../util/google';
import { makePayload, payloadMatches } from './payload';
import type { Signer, Verifier } from './types';

type IOccurrence = protos.grafeas.v1.IOccurrence;

/** The calls we make; a real v1.GrafeasClient satisfies it. */
export interface AttestationStore {
  listOccurrences(request: protos.grafeas.v1.IListOccurrencesRequest, options: { autoPaginate: true }): Promise<[IOccurrence[], ...unknown[]]>;
  createOccurrence(request: protos.grafeas.v1.ICreateOccurrenceRequest): Promise<[IOccurrence, ...unknown[]]>;
  close(): Promise<void>;
}

export function createGrafeasClient(endpoint: string): AttestationStore {
  return createSharedGrafeasClient(endpoint);
}

const ATTESTATION = 7; // grafeas.v1.NoteKind.ATTESTATION, when enums arrive as numbers

function isAttestation(occ: IOccurrence): boolean {
  return occ.kind === 'ATTESTATION' || occ.kind === ATTESTATION;
}

/** bytes arrive as Buffer over gRPC, base64 text over REST. */
function bytes(v: Uint8Array | string | null | undefined): Buffer {
  if (v === null || v === undefined) return Buffer.alloc(0);
  return typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.from(v);
}

/** One step failed: the message starts with the step, the orchestrator prefixes the image. */
function stepError(stepName: string, e: unknown): ReimageError {
  return new ReimageError(`${stepName}: ${describeError(e)}`, { cause: e });
}

export interface AttesterOptions {
  /** -grafeas-parent, e.g. projects/P */
  parent: string;
  /** The attestor's userOwnedGrafeasNote.noteReference */
  noteName: string;
  verifier: Verifier;
}

export class GrafeasAttester {
  constructor(
    private readonly store: AttestationStore,
    private readonly opts: AttesterOptions,
  ) {}

  /**
   * Name of an occurrence that already attests repo@digest for our note: its payload is for
   * this repo+digest (canonical or Go form) and a signature with our key id verifies.
   */
  async findExisting(repo: string, digest: string): Promise<string | undefined> {
    const resourceUrl = `https://${repo}@${digest}`;
    let occs: IOccurrence[];
    try {
      // The Go tool's filter text; note, URL and kind are checked again below in case a server ignores the filter.
      const filter = `((kind = "ATTESTATION") AND (resourceUrl = "${resourceUrl}"))`;
      [occs] = await this.store.listOccurrences({ parent: this.opts.parent, filter }, { autoPaginate: true });
    } catch (e) {
      throw stepError(`Grafeas listOccurrences under ${this.opts.parent}`, e);
    }
    const ourKey = kmsKeyName(this.opts.verifier.keyId);
    for (const occ of occs ?? []) {
      if (!isAttestation(occ) || occ.noteName !== this.opts.noteName || occ.resourceUri !== resourceUrl) continue;
      const payload = bytes(occ.attestation?.serializedPayload);
      if (!payloadMatches(payload, repo, digest)) continue;
      for (const sig of occ.attestation?.signatures ?? []) {
        if (kmsKeyName(sig.publicKeyId ?? '') !== ourKey) continue;
        if (await this.opts.verifier.verify(payload, bytes(sig.signature))) return occ.name ?? '(unnamed occurrence)';
      }
    }
    return undefined;
  }

  /** Signs the canonical payload and creates the occurrence; returns its name. */
  async create(repo: string, digest: string, signer: Signer): Promise<string> {
    const serializedPayload = makePayload(repo, digest);
    const signature = await signer.sign(serializedPayload);
    const occurrence: IOccurrence = {
      resourceUri: `https://${repo}@${digest}`,
      noteName: this.opts.noteName,
      kind: 'ATTESTATION',
      // publicKeyId is the attestor's own key id: BinAuthz matches signatures to keys by it.
      attestation: { serializedPayload, signatures: [{ signature, publicKeyId: signer.keyId }] },
    };
    try {
      const [created] = await this.store.createOccurrence({ parent: this.opts.parent, occurrence });
      return created.name ?? '';
    } catch (e) {
      throw stepError(`Grafeas createOccurrence under ${this.opts.parent}`, e);
    }
  }
}
