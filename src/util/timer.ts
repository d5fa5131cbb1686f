/**
 * setTimeout for any duration. Node clamps delays above 2^31-1 ms (about 24.8 days) to 1 ms, so
 * `-vulncheck-timeout 720h` would fire at once; longer waits are chained in steps under the limit.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

export function setLongTimeout(fn: () => void, ms: number, opts: { unref?: boolean } = {}): LongTimer {
  const deadline = Date.now() + ms;
  let handle: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = deadline - Date.now();
    if (left <= 0) {
      handle = undefined;
      fn();
      return;
    }
    handle = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    if (opts.unref) handle.unref();
  };
  handle = setTimeout(arm, Math.min(Math.max(ms, 0), MAX_TIMER_MS));
  if (opts.unref) handle.unref();
  return {
    clear: () => {
      if (handle !== undefined) clearTimeout(handle);
      handle = undefined;
    },
  };
}
