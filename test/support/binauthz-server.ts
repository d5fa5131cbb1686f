/**
 * A Binary Authorization v1 REST stub: GET /v1/projects/P/attestors/A returns the attestor
 * JSON registered for that name, 404 (Google error body) otherwise. No real server exists
 * for this API, so this is the one fake; it only serves what the lookup reads.
 */
import * as http from 'node:http';
import { listenOnLoopback } from './listen';

export interface StubPublicKey {
  id: string;
  pem?: string;
  signatureAlgorithm?: string;
}

export interface BinauthzServer {
  /** http://127.0.0.1:PORT, for -binauthz-endpoint */
  endpoint: string;
  /** Registers projects/P/attestors/A; `publicKeys` as the v1 API lists them */
  setAttestor(name: string, attestor: { noteReference?: string; publicKeys?: StubPublicKey[] }): void;
  /** Raw JSON body for `name`, for malformed-attestor cases */
  setRawAttestor(name: string, body: unknown): void;
  /** Paths requested, in order */
  requests: string[];
  /** Authorization headers seen (must stay empty: loopback is unauthenticated) */
  authorizations: string[];
  stop(): Promise<void>;
}

export async function startBinauthzServer(): Promise<BinauthzServer> {
  const attestors = new Map<string, unknown>();
  const requests: string[] = [];
  const authorizations: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    const m = /^\/v1\/(projects\/[^/?]+\/attestors\/[^/?]+)$/.exec(url);
    const body = req.method === 'GET' && m ? attestors.get(m[1] as string) : undefined;
    res.setHeader('content-type', 'application/json');
    if (body === undefined) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 404, message: `Attestor ${m?.[1] ?? url} not found.`, status: 'NOT_FOUND' } }));
      return;
    }
    res.end(JSON.stringify(body));
  });
  const port = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setAttestor(name, { noteReference, publicKeys = [] }) {
      attestors.set(name, {
        name,
        userOwnedGrafeasNote: {
          ...(noteReference === undefined ? {} : { noteReference }),
          publicKeys: publicKeys.map((k) => ({
            id: k.id,
            ...(k.pem === undefined ? {} : { pkixPublicKey: { publicKeyPem: k.pem, signatureAlgorithm: k.signatureAlgorithm ?? 'ECDSA_P256_SHA256' } }),
          })),
          delegationServiceAccountEmail: 'service-1@gcp-sa-binaryauthorization.iam.gserviceaccount.com',
        },
        updateTime: '2024-01-01T00:00:00Z',
      });
    },
    setRawAttestor(name, body) {
      attestors.set(name, body);
    },
    requests,
    authorizations,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
