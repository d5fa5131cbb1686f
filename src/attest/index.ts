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

/** The read-only half of attestation, done before any side effect: what exists, what would be created. */
export interface AttestationPlan {
  /** Digests already attested, and failures found while looking (a failure fails the run before anything is written) */
  readonly checked: AttestResult[];
  /** Digests that need an attestation */
  readonly pending: number;
  /** Creates the pending attestations (none with -dryrun) and returns every result; closes the clients. */
  create(): Promise<AttestResult[]>;
  /** Releases the clients without creating anything. */
  close(): Promise<void>;
}

/**
 * Looks up the attestor and key, and for each distinct digest among `images` (digest form; repeats allowed)
 * whether a valid attestation exists. Creates nothing: call plan.create() once every other check has passed.
 * Throws (ReimageError) only when the attestor lookup or configuration fails.
 */
export async function planAttestations(images: ReadonlyArray<Reference>, opts: AttestSettings, log: Logger): Promise<AttestationPlan> {
  const none: AttestationPlan = { checked: [], pending: 0, create: async () => [], close: async () => undefined };
  if (!opts.binauthzAttestor) return none;
  const attestor = await lookupAttestor(opts.binauthzAttestor, opts.binauthzEndpoint);
  const key = selectKey(attestor, opts.gcpKmsKey, log);
  const parent = parentFor(opts, attestor.noteReference, log);
  const work = distinctDigests(images);
  if (work.length === 0) return none;

  let grafeas: AttestationStore | undefined;
  let kms: KmsClient | undefined;
  const close = async (): Promise<void> => {
    await Promise.allSettled([grafeas?.close(), kms?.close()]);
  };
  const limit = opts.concurrency >= 1 ? Math.floor(opts.concurrency) : 8;
  const failed = (w: (typeof work)[number], e: unknown): AttestResult => {
    const error = `attesting ${w.digest ? `${w.repo}@${w.digest}` : w.image.original}: ${describeError(e)}`;
    log.error('attestation failed', { img: w.image.name, err: error });
    return { image: w.image, status: 'failed', error };
  };
  try {
    grafeas = createGrafeasClient(opts.grafeasEndpoint);
    // -dryrun must not call KMS: existing attestations are checked against the attestor's PEM only.
    const signer = opts.dryRun ? undefined : new KmsSigner((kms = createKmsClient(opts.kmsEndpoint)), key);
    const attester = new GrafeasAttester(grafeas, { parent, noteName: attestor.noteReference, verifier: signer ?? new PemVerifier(key) });

    const found = await settleLimit(work, limit, async ({ repo, digest }) => {
      if (!digest) throw new ReimageError('not in digest form');
      return attester.findExisting(repo, digest);
    });
    const checked: AttestResult[] = [];
    const todo: Array<(typeof work)[number] & { digest: string }> = [];
    found.forEach((r, i) => {
      const w = work[i] as (typeof work)[number];
      if (!r.ok) checked.push(failed(w, r.error));
      else if (r.value) {
        log.debug('already attested', { img: `${w.repo}@${w.digest}`, occurrence: r.value });
        checked.push({ image: w.image, status: 'existing', occurrence: r.value });
      } else todo.push({ ...w, digest: w.digest as string });
    });

    return {
      checked,
      pending: todo.length,
      close,
      async create() {
        try {
          const created = await settleLimit(todo, limit, async ({ image, repo, digest }): Promise<AttestOutcome> => {
            if (!signer) {
              log.info('dry run: would attest', { img: `${repo}@${digest}`, attestor: attestor.name, key: key.id });
              return { image, status: 'dry-run' };
            }
            const occurrence = await attester.create(repo, digest, signer);
            log.info('attested', { img: `${repo}@${digest}`, occurrence });
            return { image, status: 'created', occurrence };
          });
          return checked.concat(created.map((r, i): AttestResult => (r.ok ? r.value : failed(todo[i] as (typeof todo)[number], r.error))));
        } finally {
          await close();
        }
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Attests every distinct digest among `images` (digest form; any order; repeats allowed).
 * Returns one result per distinct digest; per-image failures are results with status 'failed'.
 * Throws (ReimageError) only when the attestor lookup or configuration fails.
 * With no -binauthz-attestor there is nothing to do: returns [].
 */
export async function attestImages(images: ReadonlyArray<Reference>, opts: AttestSettings, log: Logger): Promise<AttestResult[]> {
  const plan = await planAttestations(images, opts, log);
  if (plan.checked.some((r) => r.status === 'failed')) {
    await plan.close();
    return plan.checked;
  }
  return plan.create();
}
