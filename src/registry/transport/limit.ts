import type { Semaphore } from '../../util/concurrency';
import type { Doer } from './types';

/**
 * Bounds requests in flight across the run. A slot is held until the response headers arrive, not
 * while the body streams: a GET body feeding a PUT must not hold the slot the PUT is waiting for.
 */
export function withLimit(inner: Doer, semaphore: Semaphore): Doer {
  return (req) => semaphore.run(() => inner(req));
}
