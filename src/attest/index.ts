/**
 * Attestation stage: for each distinct digest, make sure a Binary Authorization attestation
 * signed by our KMS key exists in Grafeas. Google clients load only when this runs.
 */
import type { Reference } from '../reference/types';
import { settleLimit } from '../util/concurrency';
import { ReimageError, UsageError, describeError } from '../util/errors';
import type { Logger } from '../util/log';
import { lookupAttestor, selectKey } from './binauthz';
import { createGrafeasClient, GrafeasAttester, type AttestationStore } from './grafeas-attester';
import { createKmsClient, KmsSigner, PemVerifier, type KmsClient } from './kms';
import type { AttestSettings, AttestOutcome, AttestResult } from './types';

export type { AttestFailure, AttestSettings, AttestOutcome, AttestResult } from './types';

/** Distinct repo@digest, first Reference seen for each, in input order. */
function distinctDigests(images: ReadonlyArray<Reference>): Array<{ image: Reference; repo: string; digest: string | undefined }> {
  const seen = new Map<string, { image: Reference; repo: string; digest: string | undefined }>();
  for (const image of images) {
    const key = image.digest ? `${image.context}@${image.digest}` : image.name;
    if (!seen.has(key)) seen.set(key, { image, repo: image.context, digest: image.digest });
  }
  return [...seen.values()];
}

/** Attestations are stored with the note unless -grafeas-parent says otherwise. */
function parentFor(opts: AttestSettings, noteReference: string, log: Logger): string {
  if (opts.grafeasParent) return opts.grafeasParent;
  const project = /^projects\/[^/]+/.exec(noteReference)?.[0];
  if (!project) throw new UsageError(`-grafeas-parent is required: cannot derive a project from note ${noteReference}`);
  log.info('no -grafeas-parent; storing attestations in the note project', { parent: project });
  return project;
}

/**
 * Attests every distinct digest among `images` (digest form; any order; repeats allowed).
 * Returns one result per distinct digest; per-image failures are results with status 'failed'.
 * Throws (ReimageError) only when the attestor lookup or configuration fails.
 * With no -binauthz-attestor there is nothing to do: returns [].
 */
export async function attestImages(images: ReadonlyArray<Reference>, opts: AttestSettings, log: Logger): Promise<AttestResult[]> {
  if (!opts.binauthzAttestor) return [];
  const attestor = await lookupAttestor(opts.binauthzAttestor, opts.binauthzEndpoint);
  const key = selectKey(attestor, opts.gcpKmsKey, log);
  const parent = parentFor(opts, attestor.noteReference, log);
  const work = distinctDigests(images);
  if (work.length === 0) return [];

  let grafeas: AttestationStore | undefined;
  let kms: KmsClient | undefined;
  try {
    grafeas = createGrafeasClient(opts.grafeasEndpoint);
    // -dryrun must not call KMS: existing attestations are checked against the attestor's PEM only.
    const signer = opts.dryRun ? undefined : new KmsSigner((kms = createKmsClient(opts.kmsEndpoint)), key);
    const attester = new GrafeasAttester(grafeas, { parent, noteName: attestor.noteReference, verifier: signer ?? new PemVerifier(key) });

    const settled = await settleLimit(work, opts.concurrency >= 1 ? Math.floor(opts.concurrency) : 8, async ({ image, repo, digest }): Promise<AttestOutcome> => {
      if (!digest) throw new ReimageError('not in digest form');
      const existing = await attester.findExisting(repo, digest);
      if (existing) {
        log.debug('already attested', { img: `${repo}@${digest}`, occurrence: existing });
        return { image, status: 'existing', occurrence: existing };
      }
      if (!signer) {
        log.info('dry run: would attest', { img: `${repo}@${digest}`, attestor: attestor.name, key: key.id });
        return { image, status: 'dry-run' };
      }
      const occurrence = await attester.create(repo, digest, signer);
      log.info('attested', { img: `${repo}@${digest}`, occurrence });
      return { image, status: 'created', occurrence };
    });

    return settled.map((r, i): AttestResult => {
      if (r.ok) return r.value;
      const { image, repo, digest } = work[i] as (typeof work)[number];
      const error = `attesting ${digest ? `${repo}@${digest}` : image.original}: ${describeError(r.error)}`;
      log.error('attestation failed', { img: image.name, err: error });
      return { image, status: 'failed', error };
    });
  } finally {
    await Promise.allSettled([grafeas?.close(), kms?.close()]);
  }
}
