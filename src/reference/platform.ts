/** -platform os/arch[/variant]: parsing and matching, no I/O (the registry side lives in registry/remote/platform). */

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const PART = /^[a-z0-9._-]+$/i;

/** "linux/arm64/v8" → {os, architecture, variant}; throws Error naming the expected form. */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !PART.test(p))) {
    throw new Error(`invalid platform ${JSON.stringify(s)}: want os/arch[/variant], e.g. linux/amd64 or linux/arm/v7`);
  }
  const [os = '', architecture = '', variant] = parts;
  return { os, architecture, ...(variant !== undefined ? { variant } : {}) };
}

export function formatPlatform(p: { os?: string | undefined; architecture?: string | undefined; variant?: string | undefined }): string {
  return [p.os ?? '?', p.architecture ?? '?', ...(p.variant ? [p.variant] : [])].join('/');
}

/** containerd's normalisation of the common arm64 default: linux/arm64 and linux/arm64/v8 are one platform. */
function normalVariant(arch: string, variant: string | undefined): string | undefined {
  if (arch === 'arm64' && variant === 'v8') return undefined;
  return variant || undefined;
}

/** A wanted platform without a variant matches any variant; with one, only that variant. */
export function platformMatches(want: Platform, have: { os?: string | undefined; architecture?: string | undefined; variant?: string | undefined }): boolean {
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  if (want.variant === undefined) return true;
  return normalVariant(want.architecture, want.variant) === normalVariant(want.architecture, have.variant);
}
