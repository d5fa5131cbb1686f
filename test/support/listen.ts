/**
 * Loopback HTTP test servers: listenOnLoopback(server) starts one on a free 127.0.0.1 port and returns
 * the port; stopper(server, after?) gives an idempotent stop() that is also run at test cleanup.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './tmp';

export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export function stopper(server: Server, after?: () => void): () => Promise<void> {
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    after?.();
  };
  onCleanup(stop);
  return stop;
}
