/**
 * Lazy access to google-gax and the endpoint rule shared by the Google clients:
 * an endpoint on loopback is an emulator/test server, reached without TLS and
 * without credentials (no ADC lookup, no metadata-server probe).
 */
import type * as Gax from 'google-gax';
import { UsageError } from './errors';
import { isLoopbackHost } from './net';

export { isLoopbackHost };

/** Loaded on first use only, so runs without Grafeas, KMS or BinAuthz never pay for google-gax. */
export function loadGax(): typeof Gax {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('google-gax') as typeof Gax;
}


export interface HostPort {
  host: string;
  port: number;
}

/** Parses HOST:PORT, [V6]:PORT or HOST (port 443). */
export function parseHostPort(flag: string, value: string): HostPort {
  const m = /^(\[[^\]]+\]|[^:\s/]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) throw new UsageError(`-${flag}: want HOST:PORT, got ${JSON.stringify(value)}`);
  const port = m[2] === undefined ? 443 : Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`-${flag}: bad port in ${JSON.stringify(value)}`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/**
 * Constructor options for a gax gRPC client. Empty endpoint: the library default
 * (Google endpoint, ADC). Loopback: insecure channel + PassThroughClient.
 * servicePath+port, because apiEndpoint with a port is not honoured.
 */
export function grpcClientOptions(flag: string, endpoint: string): Gax.ClientOptions {
  if (endpoint === '') return {};
  const { host, port } = parseHostPort(flag, endpoint);
  if (!isLoopbackHost(host)) return { servicePath: host, port };
  const gax = loadGax();
  return {
    servicePath: host,
    port,
    sslCreds: gax.grpc.credentials.createInsecure(),
    authClient: new gax.googleAuthLibrary.PassThroughClient(),
  };
}

/**
 * A real v1.GrafeasClient (vulnerability discovery and attestations share it). Default endpoint:
 * containeranalysis.googleapis.com with ADC; loopback: the emulator convention above.
 */
export function createGrafeasClient(endpoint: string): import('@google-cloud/grafeas').v1.GrafeasClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { v1 } = require('@google-cloud/grafeas') as typeof import('@google-cloud/grafeas');
  return new v1.GrafeasClient(grpcClientOptions('grafeas-endpoint', endpoint));
}
