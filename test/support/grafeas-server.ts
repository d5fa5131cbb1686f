/**
 * A local Grafeas v1 gRPC server for tests, built from @google-cloud/grafeas's own protos
 * (google/api etc. from google-gax's build/protos). Plaintext on 127.0.0.1, no auth: point the
 * real client at it with `-grafeas-endpoint 127.0.0.1:PORT` (see src/vuln/grafeas.ts).
 *
 *   const g = await startGrafeasServer();            // { port, endpoint, store, calls, faults, stop }
 *   g.store.addDiscovery('projects/p', url, 'FINISHED_SUCCESS');
 *   g.store.addVulnerability('projects/p', url, { cve: 'CVE-2023-4911', score: 7.8 });
 *   g.store.scriptDiscovery('projects/p', url, ['PENDING', 'PENDING', 'FINISHED_SUCCESS']);
 *   g.store.add('projects/p', { resourceUri, noteName, attestation: {...} });  // kind inferred
 *   g.calls            // every request: { method, request, metadata }
 *   g.faults.ListOccurrences = { code: grpc.status.UNAVAILABLE, details: 'x', times: 1 };
 *   g.delays.ListOccurrences = 5000;                 // hang a method (ms)
 *   await g.stop();
 *
 * Occurrences are plain objects in proto-loader's camelCase form, enums as strings
 * (kind: 'DISCOVERY', discovery.analysisStatus: 'PENDING'), bytes as Buffers.
 *
 * RPCs: ListOccurrences (filter: `field = "value"` terms over kind, resourceUrl/resourceUri,
 * noteName, name; AND, OR, parentheses; pageSize/pageToken pagination), GetOccurrence,
 * CreateOccurrence, BatchCreateOccurrences, DeleteOccurrence. Others answer UNIMPLEMENTED.
 */
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { RunResult } from './cli';

export type Occurrence = Record<string, unknown> & {
  name: string;
  resourceUri: string;
  noteName: string;
  kind: string;
};
export type OccurrenceInput = Record<string, unknown> & { resourceUri: string; noteName?: string; kind?: string };

export interface CallRecord {
  method: string;
  request: Record<string, unknown>;
  /** Request metadata, e.g. to check that no `authorization` header was sent */
  metadata: Record<string, string>;
}

export interface Fault {
  code: grpc.status;
  details: string;
  /** Fail this many calls, then succeed; default: every call */
  times?: number;
}

type Method = 'ListOccurrences' | 'GetOccurrence' | 'CreateOccurrence' | 'BatchCreateOccurrences' | 'DeleteOccurrence';

export interface GrafeasServer {
  port: number;
  /** 127.0.0.1:PORT for -grafeas-endpoint */
  endpoint: string;
  store: OccurrenceStore;
  calls: CallRecord[];
  faults: Partial<Record<Method, Fault>>;
  delays: Partial<Record<Method, number>>;
  stop(): Promise<void>;
}

/** Which NoteKind each details oneof member implies (CreateOccurrence without `kind`). */
const KIND_OF_DETAILS: Record<string, string> = {
  vulnerability: 'VULNERABILITY',
  build: 'BUILD',
  image: 'IMAGE',
  package: 'PACKAGE',
  deployment: 'DEPLOYMENT',
  discovery: 'DISCOVERY',
  attestation: 'ATTESTATION',
  upgrade: 'UPGRADE',
  compliance: 'COMPLIANCE',
  dsseAttestation: 'DSSE_ATTESTATION',
  sbomReference: 'SBOM_REFERENCE',
  secret: 'SECRET',
};

class InvalidArgument extends Error {}
class NotFound extends Error {}

export class OccurrenceStore {
  private readonly occs = new Map<string, Occurrence>();
  private readonly scripts = new Map<string, string[]>();
  private seq = 0;

  /** Stores an occurrence under `parent` (projects/P); fills name, kind (from the details member), timestamps. */
  add(parent: string, input: OccurrenceInput): Occurrence {
    if (!/^projects\/[^/]+$/.test(parent)) throw new InvalidArgument(`parent must be projects/{project}, got ${JSON.stringify(parent)}`);
    if (!input.resourceUri) throw new InvalidArgument('occurrence.resourceUri is required');
    const kind = input.kind && input.kind !== 'NOTE_KIND_UNSPECIFIED' ? input.kind : Object.keys(KIND_OF_DETAILS).find((k) => input[k] !== undefined && input[k] !== null);
    if (!kind) throw new InvalidArgument('occurrence needs a kind or a details member');
    const now = { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 };
    const occ: Occurrence = {
      ...input,
      name: `${parent}/occurrences/${(++this.seq).toString().padStart(6, '0')}`,
      resourceUri: input.resourceUri,
      noteName: input.noteName ?? defaultNote(KIND_OF_DETAILS[kind] ?? kind),
      kind: KIND_OF_DETAILS[kind] ?? kind,
      createTime: now,
      updateTime: now,
    };
    delete occ['details']; // proto-loader's virtual oneof field
    this.occs.set(occ.name, occ);
    return occ;
  }

  addDiscovery(parent: string, resourceUri: string, analysisStatus: string): Occurrence {
    return this.add(parent, { resourceUri, noteName: 'projects/goog-analysis/notes/PACKAGE_VULNERABILITY', discovery: { analysisKind: 'VULNERABILITY', analysisStatus } });
  }

  /** A DISCOVERY occurrence whose status moves through `statuses`, one step per ListOccurrences that returns it, then stays on the last. */
  scriptDiscovery(parent: string, resourceUri: string, statuses: readonly string[]): Occurrence {
    const occ = this.addDiscovery(parent, resourceUri, statuses[0] ?? 'PENDING');
    this.scripts.set(occ.name, [...statuses]);
    return occ;
  }

  addVulnerability(parent: string, resourceUri: string, v: { cve: string; score: number; severity?: string; noteName?: string; longDescription?: string }): Occurrence {
    return this.add(parent, {
      resourceUri,
      noteName: v.noteName ?? `projects/goog-vulnz/notes/${v.cve}`,
      vulnerability: { shortDescription: v.cve, cvssScore: v.score, severity: v.severity ?? 'HIGH', ...(v.longDescription ? { longDescription: v.longDescription } : {}) },
    });
  }

  get(name: string): Occurrence | undefined {
    return this.occs.get(name);
  }

  update(name: string, patch: Record<string, unknown>): Occurrence {
    const occ = this.occs.get(name);
    if (!occ) throw new Error(`no occurrence ${name}`);
    Object.assign(occ, patch);
    return occ;
  }

  delete(name: string): boolean {
    this.scripts.delete(name);
    return this.occs.delete(name);
  }

  all(): Occurrence[] {
    return [...this.occs.values()];
  }

  clear(): void {
    this.occs.clear();
    this.scripts.clear();
  }

  /** Occurrences under `parent` matching `filter` (Grafeas filter subset), in insertion order. */
  list(parent: string, filter = ''): Occurrence[] {
    const pred = compileFilter(filter);
    return this.all().filter((o) => o.name.startsWith(`${parent}/occurrences/`) && pred(o));
  }

  /** Advances scripted occurrences that a List call is about to return. */
  advance(occs: readonly Occurrence[]): void {
    for (const occ of occs) {
      const script = this.scripts.get(occ.name);
      if (!script) continue;
      const status = script.length > 1 ? script.shift() : script[0];
      occ['discovery'] = { ...(occ['discovery'] as object), analysisStatus: status };
    }
  }
}

function defaultNote(kind: string): string {
  return `projects/test-notes/notes/${kind.toLowerCase()}`;
}

// ---- filter: term := field ("=" | "!=") "string"; AND binds tighter than OR; parentheses ----

const FIELDS: Record<string, (o: Occurrence) => string> = {
  kind: (o) => o.kind,
  resourceUrl: (o) => o.resourceUri,
  resourceUri: (o) => o.resourceUri,
  resource_url: (o) => o.resourceUri,
  resource_uri: (o) => o.resourceUri,
  noteName: (o) => o.noteName,
  note_name: (o) => o.noteName,
  name: (o) => o.name,
};

type Pred = (o: Occurrence) => boolean;

export function compileFilter(filter: string): Pred {
  const tokens = filter.match(/"(?:[^"\\]|\\.)*"|!=|=|\(|\)|[A-Za-z_][\w.]*|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string): string => {
    const t = tokens[i++];
    if (t === undefined || (want !== undefined && t !== want)) throw new InvalidArgument(`invalid filter ${JSON.stringify(filter)}: expected ${want ?? 'more'} at token ${i}`);
    return t;
  };
  const factor = (): Pred => {
    if (peek() === '(') {
      take('(');
      const p = or();
      take(')');
      return p;
    }
    const field = take();
    const get = FIELDS[field];
    if (!get) throw new InvalidArgument(`invalid filter ${JSON.stringify(filter)}: unknown field ${field}`);
    const op = take();
    if (op !== '=' && op !== '!=') throw new InvalidArgument(`invalid filter ${JSON.stringify(filter)}: expected = or != after ${field}`);
    const lit = take();
    if (!lit.startsWith('"')) throw new InvalidArgument(`invalid filter ${JSON.stringify(filter)}: expected a quoted string after ${field} ${op}`);
    const value = JSON.parse(lit) as string;
    return op === '=' ? (o) => get(o) === value : (o) => get(o) !== value;
  };
  const and = (): Pred => {
    const ps = [factor()];
    while (peek() === 'AND') {
      take();
      ps.push(factor());
    }
    return (o) => ps.every((p) => p(o));
  };
  function or(): Pred {
    const ps = [and()];
    while (peek() === 'OR') {
      take();
      ps.push(and());
    }
    return (o) => ps.some((p) => p(o));
  }
  if (tokens.length === 0) return () => true;
  const pred = or();
  if (i !== tokens.length) throw new InvalidArgument(`invalid filter ${JSON.stringify(filter)}: unexpected ${tokens[i]}`);
  return pred;
}

// ---- server ----

// Both packages' main files live in build/src; their protos in build/protos.
const GRAFEAS_PROTOS = path.join(path.dirname(require.resolve('@google-cloud/grafeas')), '..', 'protos');
const GAX_PROTOS = path.join(path.dirname(require.resolve('google-gax')), '..', 'protos');

function loadService(): grpc.ServiceDefinition {
  const def = protoLoader.loadSync('grafeas/v1/grafeas.proto', {
    includeDirs: [GRAFEAS_PROTOS, GAX_PROTOS],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grafeas: { v1: { Grafeas: { service: grpc.ServiceDefinition } } } };
  return pkg.grafeas.v1.Grafeas.service;
}

export interface GrafeasServerOptions {
  /** Page size when the request gives none (or a larger one); default 100 */
  pageSize?: number;
}

export async function startGrafeasServer(options: GrafeasServerOptions = {}): Promise<GrafeasServer> {
  const store = new OccurrenceStore();
  const calls: CallRecord[] = [];
  const faults: GrafeasServer['faults'] = {};
  const delays: GrafeasServer['delays'] = {};
  const maxPage = options.pageSize ?? 100;
  const server = new grpc.Server();
  const timers = new Set<NodeJS.Timeout>();

  type Req = Record<string, unknown>;
  const unary = (method: Method, fn: (req: Req) => unknown): grpc.handleUnaryCall<Req, unknown> => (call, callback) => {
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.metadata.getMap())) metadata[k] = String(v);
    calls.push({ method, request: call.request, metadata });
    const respond = () => {
      const fault = faults[method];
      if (fault && (fault.times === undefined || fault.times > 0)) {
        if (fault.times !== undefined) fault.times--;
        return callback({ code: fault.code, details: fault.details });
      }
      try {
        callback(null, fn(call.request));
      } catch (e) {
        const code = e instanceof InvalidArgument ? grpc.status.INVALID_ARGUMENT : e instanceof NotFound ? grpc.status.NOT_FOUND : grpc.status.INTERNAL;
        callback({ code, details: (e as Error).message });
      }
    };
    const delay = delays[method];
    if (delay) {
      const t = setTimeout(() => {
        timers.delete(t);
        respond();
      }, delay);
      timers.add(t);
    } else respond();
  };

  server.addService(loadService(), {
    ListOccurrences: unary('ListOccurrences', (req) => {
      const all = store.list(String(req['parent'] ?? ''), String(req['filter'] ?? ''));
      const size = Math.min(Number(req['pageSize'] ?? 0) || maxPage, maxPage);
      const token = String(req['pageToken'] ?? '');
      const start = token === '' ? 0 : Number(token);
      if (!Number.isInteger(start) || start < 0 || start > all.length) throw new InvalidArgument(`bad pageToken ${JSON.stringify(token)}`);
      const page = all.slice(start, start + size);
      store.advance(page);
      const next = start + size < all.length ? String(start + size) : '';
      return { occurrences: page, nextPageToken: next };
    }),
    GetOccurrence: unary('GetOccurrence', (req) => {
      const occ = store.get(String(req['name'] ?? ''));
      if (!occ) throw new NotFound(`occurrence ${String(req['name'])} not found`);
      return occ;
    }),
    CreateOccurrence: unary('CreateOccurrence', (req) => store.add(String(req['parent'] ?? ''), (req['occurrence'] ?? {}) as OccurrenceInput)),
    BatchCreateOccurrences: unary('BatchCreateOccurrences', (req) => {
      const list = (req['occurrences'] ?? []) as OccurrenceInput[];
      return { occurrences: list.map((o) => store.add(String(req['parent'] ?? ''), o)) };
    }),
    DeleteOccurrence: unary('DeleteOccurrence', (req) => {
      if (!store.delete(String(req['name'] ?? ''))) throw new NotFound(`occurrence ${String(req['name'])} not found`);
      return {};
    }),
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    endpoint: `127.0.0.1:${port}`,
    store,
    calls,
    faults,
    delays,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        // tryShutdown waits for in-flight calls; a delayed (hung) call would hold it, so force after a moment.
        const t = setTimeout(() => server.forceShutdown(), 200);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}

/**
 * A Grafeas gate at 7.0 run by `gate` (the binary, the image) against a fresh emulator holding one CVE over that for
 * `digestRef` (registry/repo@sha256:...): the run must fail on it, naming it, with nothing on stdout.
 */
export async function expectGrafeasGateFails(digestRef: string, gate: (args: string[]) => Promise<RunResult>): Promise<void> {
  const grafeas = await startGrafeasServer();
  try {
    const url = `https://${digestRef}`;
    grafeas.store.addDiscovery('projects/p', url, 'FINISHED_SUCCESS');
    grafeas.store.addVulnerability('projects/p', url, { cve: 'CVE-2024-0001', score: 9.1 });
    const r = await gate(['-vulncheck-method', 'grafeas', '-grafeas-parent', 'projects/p', '-grafeas-endpoint', grafeas.endpoint, '-vulncheck-max-cvss', '7']);
    expect(r.stderr).toContain('CVE-2024-0001(9.10)');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(grafeas.calls.length).toBeGreaterThan(0);
  } finally {
    await grafeas.stop();
  }
}
