/**
 * Split a command line the way github.com/buildkite/shellwords SplitPosix
 * does (the Go reimage uses it for -trivy-command): words split on space,
 * tab and newline; '...' and "..." quote; a backslash escapes the next
 * character everywhere, inside single quotes too (unlike a POSIX shell).
 */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let token = false; // a quoted "" still makes a (empty) word
  const chars = Array.from(line);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '\\') {
      if (i + 1 < chars.length) word += chars[++i];
    } else if (c === '"' || c === "'") {
      const start = i;
      for (i++; ; i++) {
        const q = chars[i];
        if (q === undefined) throw new Error(`expected closing quote ${c} for the quote at offset ${start}, got end of input`);
        if (q === c) break;
        if (q === '\\') {
          if (i + 1 < chars.length) word += chars[++i];
          continue;
        }
        word += q;
      }
      token = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== '' || token) words.push(word);
      word = '';
      token = false;
    } else {
      word += c;
    }
  }
  if (word !== '' || token) words.push(word);
  return words;
}
