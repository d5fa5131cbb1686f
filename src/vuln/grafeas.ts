// Only types come from google-gax / grafeas here: the modules themselves are required
// lazily in createGrafeasClient, so a run without -vulncheck-method=grafeas never loads them.
import type { protos } from '@google-cloud/grafeas';
import { createGrafeasClient as createSharedGrafeasClient } from '../util/google';
import type { Reference } from '../reference/types';
import { ReimageError, describeError } from '../util/errors';
import type { Logger } from '../util/log';
import { MAX_TIMER_MS } from '../util/timer';
import { digestName } from './digest';
import { dedupeVulnerabilities } from './policy';
import { VulnTimeoutError, type ScanOutcome, type VulnGetter, type Vulnerability } from './types';

type IOccurrence = protos.grafeas.v1.IOccurrence;
type IListOccurrencesRequest = protos.grafeas.v1.IListOccurrencesRequest;

/** The one method we call; a real GrafeasClient satisfies it, and so can a fake. */
export interface OccurrenceLister {
  listOccurrences(request: IListOccurrencesRequest, options?: { timeout?: number; autoPaginate?: boolean }): Promise<[IOccurrence[], ...unknown[]]>;
  close?(): Promise<void>;
}

export interface GrafeasGetterOptions {
  /** -grafeas-parent, e.g. "projects/my-project" */
  parent: string;
  /** -grafeas-endpoint HOST:PORT; "" for containeranalysis.googleapis.com */
  endpoint: string;
  /** -vulncheck-max-retries: discovery polls after the first */
  maxRetries: number;
  /** First wait between discovery polls, doubled each time (Go: 500ms) */
  baseDelayMs?: number;
  /** Cap on one wait; Go had none, but polling less than once a minute only delays the answer */
  maxDelayMs?: number;
  /** -vulncheck-timeout: also the deadline handed to each RPC, so none outlives the check */
  timeoutMs?: number;
  log?: Logger;
  /** Injected client (tests); otherwise created on first use */
  client?: OccurrenceLister;
}

/** Canonical names; the client may give numbers or the alias COMPLETE for FINISHED_SUCCESS. */
const ANALYSIS_STATUS = ['ANALYSIS_STATUS_UNSPECIFIED', 'PENDING', 'SCANNING', 'FINISHED_SUCCESS', 'FINISHED_FAILED', 'FINISHED_UNSUPPORTED'] as const;
type AnalysisStatus = (typeof ANALYSIS_STATUS)[number] | 'NOT_FOUND';

export function normaliseAnalysisStatus(s: unknown): AnalysisStatus {
  if (typeof s === 'number') return ANALYSIS_STATUS[s] ?? 'ANALYSIS_STATUS_UNSPECIFIED';
  if (s === 'COMPLETE') return 'FINISHED_SUCCESS';
  return (ANALYSIS_STATUS as readonly unknown[]).includes(s) ? (s as AnalysisStatus) : 'ANALYSIS_STATUS_UNSPECIFIED';
}

const KIND_NUMBER = { VULNERABILITY: 1, DISCOVERY: 6 } as const;
function isKind(occ: IOccurrence, kind: keyof typeof KIND_NUMBER): boolean {
  return occ.kind === kind || occ.kind === KIND_NUMBER[kind];
}

/**
 * The Go tool's GrafeasVulnGetter: poll the image's DISCOVERY occurrence with exponential
 * backoff until FINISHED_SUCCESS, then read its VULNERABILITY occurrences
 * (id = shortDescription, score = cvssScore).
 */
export class GrafeasVulnGetter implements VulnGetter {
  private client: OccurrenceLister | undefined;

  constructor(private readonly opts: GrafeasGetterOptions) {
    if (!opts.parent) throw new ReimageError('-grafeas-parent is required for -vulncheck-method=grafeas (e.g. projects/my-project)');
    this.client = opts.client;
  }

  async getVulnerabilities(image: Reference, signal: AbortSignal): Promise<Vulnerability[]> {
    return (await this.check(image, signal)).vulnerabilities;
  }

  async check(image: Reference, signal: AbortSignal): Promise<ScanOutcome> {
    const name = digestName(image);
    const resourceUrl = `https://${name}`;
    const base = this.opts.baseDelayMs ?? 500;
    const maxDelay = this.opts.maxDelayMs ?? 60_000;
    const started = Date.now();
    const deadline = this.opts.timeoutMs ? started + this.opts.timeoutMs : undefined;
    let status: AnalysisStatus = 'NOT_FOUND';
    const waitingFor = () => `waiting for vulnerability scanning of ${name} (last discovery status: ${status})`;
    const giveUpOnAbort = (e: unknown): never => {
      if (!signal.aborted) throw e;
      const why = signal.reason instanceof VulnTimeoutError ? signal.reason.message : 'cancelled';
      throw new ReimageError(`${why} ${waitingFor()}`, { cause: e });
    };

    for (let attempt = 0; ; attempt++) {
      const disc = await this.list(filterFor('DISCOVERY', resourceUrl), signal, name, deadline).catch(giveUpOnAbort);
      const occ = disc.find((o) => isKind(o, 'DISCOVERY'));
      status = occ ? normaliseAnalysisStatus(occ.discovery?.analysisStatus) : 'NOT_FOUND';
      if (status === 'FINISHED_UNSUPPORTED') {
        this.opts.log?.info('vulnerability scanning is not supported for this image; skipping the check', { img: name });
        return { vulnerabilities: [], skipReason: 'Grafeas discovery: FINISHED_UNSUPPORTED' };
      }
      if (status === 'FINISHED_FAILED') {
        const detail = occ?.discovery?.analysisStatusError?.message;
        throw new ReimageError(`vulnerability scanning of ${name} failed (discovery status FINISHED_FAILED${detail ? `: ${detail}` : ''})`);
      }
      if (status === 'FINISHED_SUCCESS') break;
      if (attempt >= this.opts.maxRetries) {
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        throw new ReimageError(`gave up after ${attempt + 1} checks over ${secs}s (-vulncheck-max-retries ${this.opts.maxRetries}) ${waitingFor()}`);
      }
      const delay = Math.min(base * 2 ** attempt, maxDelay);
      this.opts.log?.info('retrying discovery', { img: name, delay: `${delay}ms`, status });
      await sleep(delay, signal).catch(giveUpOnAbort);
    }

    const occs = await this.list(filterFor('VULNERABILITY', resourceUrl), signal, name, deadline).catch(giveUpOnAbort);
    const vulns = occs.filter((o) => isKind(o, 'VULNERABILITY')).map(toVulnerability);
    return { vulnerabilities: dedupeVulnerabilities(vulns) };
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.close?.();
  }

  private async list(filter: string, signal: AbortSignal, name: string, deadline: number | undefined): Promise<IOccurrence[]> {
    signal.throwIfAborted();
    this.client ??= createGrafeasClient(this.opts.endpoint);
    const client = this.client;
    // autoPaginate follows nextPageToken. gax's timeout bounds the call and its retries (the
    // client's promise has no cancel); the abort race stops us waiting even sooner.
    // A little slack so our own abort (with its clearer message) normally lands first.
    // Capped under Node's timer limit: a 720h -vulncheck-timeout must not overflow gax's timers.
    const timeout = deadline === undefined ? undefined : Math.min(Math.max(1, deadline - Date.now()) + 100, MAX_TIMER_MS);
    const call = client.listOccurrences({ parent: this.opts.parent, filter }, { autoPaginate: true, ...(timeout !== undefined ? { timeout } : {}) });
    try {
      const [occs] = await raceAbort(call, signal);
      return occs ?? [];
    } catch (e) {
      if (signal.aborted) throw e;
      throw new ReimageError(`Grafeas ListOccurrences under ${this.opts.parent} with filter ${filter} failed for ${name}: ${describeError(e)}`, { cause: e });
    }
  }
}

/** The Go tool's filter text, verbatim. */
export function filterFor(kind: 'DISCOVERY' | 'VULNERABILITY', resourceUrl: string): string {
  return `((kind = "${kind}") AND (resourceUrl = "${resourceUrl}"))`;
}

function toVulnerability(occ: IOccurrence): Vulnerability {
  const v = occ.vulnerability ?? {};
  // Go used shortDescription (Container Analysis puts the CVE id there); the note's last
  // path segment (projects/goog-vulnz/notes/CVE-…) is the same id when it is empty.
  const id = v.shortDescription || (occ.noteName ?? '').split('/').pop() || 'UNKNOWN';
  const score = typeof v.cvssScore === 'number' ? v.cvssScore : 0;
  // Upstream records no description or risk from Grafeas.
  return { id, score, risk: 0, description: '' };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The shared Grafeas client (util/google), seen through the one method this getter calls. */
export function createGrafeasClient(endpoint: string): OccurrenceLister {
  return createSharedGrafeasClient(endpoint) as unknown as OccurrenceLister;
}
