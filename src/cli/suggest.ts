/** "did you mean" hints for misspelt keys and flags. */

/** Compare keys ignoring case, dashes and underscores: remotepath ~ remotePath ~ remote-path. */
export function normalizeKey(s: string): string {
  return s.toLowerCase().replace(/[-_]/g, '');
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] as number) + 1, (cur[j - 1] as number) + 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function closest(key: string, candidates: Iterable<string>): string | undefined {
  const k = normalizeKey(key);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(k, normalizeKey(c));
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return bestD <= Math.max(1, Math.floor(k.length / 4)) ? best : undefined;
}

export function didYouMean(s: string | undefined): string {
  return s === undefined ? '' : ` (did you mean ${JSON.stringify(s)}?)`;
}
