/** A parsed WWW-Authenticate header: what the registry wants before it will answer. */
export type Challenge =
  | { scheme: 'none' }
  | { scheme: 'basic'; realm?: string }
  | { scheme: 'bearer'; realm: string; service?: string; scopes: string[] };

const PARAM = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;

/** Parses `Bearer realm="...",service="...",scope="a b"`; unknown schemes come back as `none`. */
export function parseChallenge(header: string | null): Challenge {
  if (!header) return { scheme: 'none' };
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return { scheme: 'none' };
  const scheme = (m[1] ?? '').toLowerCase();
  const params = Object.create(null) as Record<string, string>; // server-chosen keys: no prototype
  for (const p of (m[2] ?? '').matchAll(PARAM)) {
    params[(p[1] ?? '').toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  if (scheme === 'basic') return params.realm === undefined ? { scheme: 'basic' } : { scheme: 'basic', realm: params.realm };
  if (scheme === 'bearer' && params.realm) {
    const scopes = (params.scope ?? '').split(' ').filter(Boolean);
    return params.service === undefined ? { scheme: 'bearer', realm: params.realm, scopes } : { scheme: 'bearer', realm: params.realm, service: params.service, scopes };
  }
  return { scheme: 'none' };
}

/** Union of scope strings, merging actions per resource ("repository:a:pull" + "repository:a:push" → "repository:a:pull,push"). */
export function mergeScopes(...lists: ReadonlyArray<readonly string[] | undefined>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const list of lists) {
    for (const scope of list ?? []) {
      const i = scope.lastIndexOf(':');
      if (i < 0) continue;
      const resource = scope.slice(0, i);
      const actions = byResource.get(resource) ?? new Set<string>();
      for (const a of scope.slice(i + 1).split(',')) if (a) actions.add(a);
      byResource.set(resource, actions);
    }
  }
  return [...byResource.entries()].map(([r, a]) => `${r}:${[...a].sort().join(',')}`).sort();
}
