/** Line-level LCS diff, enough to say which lines of a small file changed. */
export interface LineChange {
  removed: string[];
  added: string[];
}

export function diffLines(before: string, after: string): LineChange[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const changes: LineChange[] = [];
  let cur: LineChange | undefined;
  let i = 0;
  let j = 0;
  const flush = (): void => {
    if (cur) changes.push(cur);
    cur = undefined;
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      (cur ??= { removed: [], added: [] }).added.push(b[j++]!);
    } else {
      (cur ??= { removed: [], added: [] }).removed.push(a[i++]!);
    }
  }
  flush();
  return changes;
}

/**
 * Asserts that `after` differs from `before` only by image values replaced per `mappings`
 * (each removed line reappears with exactly one image string swapped) and by added
 * reimage.dev/mappings annotation lines (plus an `annotations:` key where there was none).
 */
export function onlyImagesAndAnnotationChanged(before: string, after: string, mappings: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const c of diffLines(before, after)) {
    const added = c.added.filter((l) => !/^\s*reimage\.dev\/mappings: /.test(l) && !/^\s*annotations:\s*$/.test(l));
    if (added.length !== c.removed.length) {
      problems.push(`unexpected change: -${JSON.stringify(c.removed)} +${JSON.stringify(c.added)}`);
      continue;
    }
    c.removed.forEach((line, k) => {
      const ok = Object.entries(mappings).some(([from, to]) => line.includes(from) && line.replace(from, to) === added[k]);
      if (!ok) problems.push(`line changed beyond its image: ${JSON.stringify(line)} -> ${JSON.stringify(added[k])}`);
    });
  }
  return problems;
}
