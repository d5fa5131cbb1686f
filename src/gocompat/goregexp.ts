/**
 * Go RE2 syntax -> JavaScript RegExp, so patterns written for the Go reimage
 * (-ignore, -rename-ignore, -vulncheck-ignore-images, rule kinds) match the
 * same strings here. Translation is lexical; the JS engine then checks the
 * structure. RE2 features JS lacks, and Perl features RE2 refuses, are errors.
 */

const POSIX: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\x2F:-@\\x5B-\\x60\\x7B-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

// Go's \s is exactly these; JS's \s also covers Unicode spaces.
const GO_SPACE = '\\t\\n\\f\\r ';
const MAX_REPEAT = 1000;

interface Flags {
  m: boolean;
  s: boolean;
}

const lit = (cp: number): string => `\\u{${cp.toString(16)}}`;
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';

class Translator {
  private i = 0;
  private out = '';
  private caseInsensitive = false;
  private flags: Flags = { m: false, s: false };
  private readonly stack: Flags[] = [];

  constructor(private readonly src: string) {}

  translate(): RegExp {
    const { src } = this;
    while (this.i < src.length) {
      const c = src[this.i] as string;
      this.i++;
      switch (c) {
        case '\\':
          this.out += this.escape(false);
          break;
        case '[':
          this.klass();
          break;
        case '(':
          this.group();
          break;
        case ')': {
          const prev = this.stack.pop();
          if (!prev) throw new Error('unexpected )');
          this.flags = prev;
          this.out += ')';
          break;
        }
        case '.':
          this.out += this.flags.s ? '[\\s\\S]' : '[^\\n]';
          break;
        case '^':
          this.out += this.flags.m ? '(?<![^\\n])' : '^';
          break;
        case '$':
          this.out += this.flags.m ? '(?![^\\n])' : '$';
          break;
        case '{':
          this.out += this.repeat();
          break;
        case '}':
        case ']':
          this.out += '\\' + c;
          break;
        default:
          this.out += c;
      }
    }
    if (this.stack.length > 0) throw new Error('missing closing )');
    try {
      return new RegExp(this.out, this.caseInsensitive ? 'iu' : 'u');
    } catch (e) {
      // "Invalid regular expression: /x/u: Nothing to repeat" -> "nothing to repeat"
      const msg = e instanceof Error ? e.message : String(e);
      const tail = msg.slice(msg.lastIndexOf(': ') + 2);
      throw new Error(tail.charAt(0).toLowerCase() + tail.slice(1));
    }
  }

  /** `{n}`, `{n,}`, `{n,m}` repeat; anything else is a literal brace in Go. */
  private repeat(): string {
    const m = /^(\d+)(?:(,)(\d*))?\}/.exec(this.src.slice(this.i));
    if (!m) return '\\{';
    const min = Number(m[1]);
    const max = m[3] ? Number(m[3]) : m[2] ? -1 : min;
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min)) {
      throw new Error(`invalid repeat count: {${m[0]}`);
    }
    this.i += m[0].length;
    return `{${m[0]}`;
  }

  private group(): void {
    const rest = this.src.slice(this.i);
    this.stack.push({ ...this.flags });
    if (!rest.startsWith('?')) {
      this.out += '(';
      return;
    }
    if (/^\?(?:[=!]|<[=!])/.test(rest)) {
      throw new Error(`invalid or unsupported Perl syntax: (${rest.slice(0, rest[1] === '<' ? 3 : 2)}`);
    }
    const named = /^\?P?<([^>]*)>/.exec(rest);
    if (named) {
      if (!/^[A-Za-z0-9_]+$/.test(named[1] as string)) throw new Error(`invalid named capture: (${named[0]}`);
      this.out += `(?<${named[1]}>`;
      this.i += named[0].length;
      return;
    }
    const fl = /^\?([imsU]*(?:-[imsU]*)?)([:)])/.exec(rest);
    if (!fl || fl[1] === '' || fl[1] === '-' || (fl[1] as string).endsWith('-')) {
      throw new Error(`invalid or unsupported Perl syntax: (${rest.slice(0, 2)}`);
    }
    const [on = '', off = ''] = (fl[1] as string).split('-');
    if (on.includes('U') || off.includes('U')) throw new Error('the U (ungreedy) flag is not supported in this port');
    const atStart = this.i === 1 && fl[2] === ')';
    if (on.includes('i')) {
      // JS (Node 20) has no scoped modifiers, so i must cover the whole expression.
      if (!atStart) throw new Error('the i flag is supported only as a leading (?i)');
      this.caseInsensitive = true;
    }
    if (off.includes('i') && this.caseInsensitive) throw new Error('clearing the i flag is not supported in this port');
    const next: Flags = {
      m: on.includes('m') ? true : off.includes('m') ? false : this.flags.m,
      s: on.includes('s') ? true : off.includes('s') ? false : this.flags.s,
    };
    this.i += fl[0].length;
    if (fl[2] === ':') {
      this.flags = next;
      this.out += '(?:';
    } else {
      // (?flags) applies to the rest of the enclosing group; it opens no group itself.
      this.stack.pop();
      this.flags = next;
    }
  }

  private klass(): void {
    const { src } = this;
    let body = '[';
    if (src[this.i] === '^') {
      body += '^';
      this.i++;
    }
    let first = true;
    for (;;) {
      const c = src[this.i];
      if (c === undefined) throw new Error('missing closing ]');
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && src[this.i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(this.i));
        const range = m ? POSIX[m[2] as string] : undefined;
        if (m && range !== undefined) {
          if (m[1]) throw new Error(`negated POSIX class [:^${m[2]}:] is not supported in this port`);
          body += range;
          this.i += m[0].length;
          continue;
        }
        if (m) throw new Error(`invalid character class range: ${m[0]}`);
      }
      this.i++;
      if (c === '\\') body += this.escape(true);
      else if (c === '[' || c === ']') body += '\\' + c;
      else body += c;
    }
    this.out += body + ']';
  }

  /** Translate the escape after a backslash (already consumed). */
  private escape(inClass: boolean): string {
    const { src } = this;
    const c = src[this.i];
    if (c === undefined) throw new Error('trailing backslash at end of expression');
    this.i++;
    switch (c) {
      case 'A':
      case 'z':
        if (inClass) break;
        return c === 'A' ? '(?<![\\s\\S])' : '(?![\\s\\S])';
      case 'b':
      case 'B':
        if (inClass) break;
        return '\\' + c;
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return '\\' + c;
      case 's':
        return inClass ? GO_SPACE : `[${GO_SPACE}]`;
      case 'S':
        // Inside a class JS's \S is the closest (differs only on Unicode spaces).
        return inClass ? '\\S' : `[^${GO_SPACE}]`;
      case 'a':
        return '\\x07';
      case 'f':
      case 't':
      case 'n':
      case 'r':
      case 'v':
        return '\\' + c;
      case 'p':
      case 'P':
        return this.unicodeClass(c === 'P');
      case 'Q': {
        if (inClass) break;
        const end = src.indexOf('\\E', this.i);
        const text = end < 0 ? src.slice(this.i) : src.slice(this.i, end);
        this.i = end < 0 ? src.length : end + 2;
        return Array.from(text, (ch) => lit(ch.codePointAt(0) as number)).join('');
      }
      case 'x': {
        const m = /^(?:\{([0-9A-Fa-f]+)\}|([0-9A-Fa-f]{2}))/.exec(src.slice(this.i));
        const hex = m ? (m[1] ?? m[2]) : undefined;
        if (!m || hex === undefined || parseInt(hex, 16) > 0x10ffff) break;
        this.i += m[0].length;
        return lit(parseInt(hex, 16));
      }
      default:
        if (c >= '1' && c <= '7' && !isOctal(src[this.i])) {
          // A lone \1..\7 is a backreference, which RE2 refuses.
          throw new Error(`invalid escape sequence: \\${c}`);
        }
        if (c >= '0' && c <= '7') {
          let oct = c;
          while (oct.length < 3 && isOctal(src[this.i])) oct += src[this.i++];
          return lit(parseInt(oct, 8));
        }
        if (c < '\x80' && !/[0-9A-Za-z]/.test(c)) return lit(c.charCodeAt(0));
    }
    throw new Error(`invalid escape sequence: \\${c}`);
  }

  private unicodeClass(negated: boolean): string {
    const { src } = this;
    let name: string;
    const m = /^\{(\^?)([A-Za-z_]+)\}/.exec(src.slice(this.i));
    if (m) {
      name = m[2] as string;
      if (m[1]) negated = !negated;
      this.i += m[0].length;
    } else if (/^[A-Za-z]/.test(src[this.i] ?? '')) {
      name = src[this.i++] as string;
    } else {
      throw new Error(`invalid character class range: \\${negated ? 'P' : 'p'}${src.slice(this.i, this.i + 1)}`);
    }
    // Go accepts general categories (L, Lu), "Any" and script names (Greek).
    const prop = /^[A-Z][a-z]?$/.test(name) || name === 'Any' ? name : `Script=${name}`;
    const out = `\\${negated ? 'P' : 'p'}{${prop}}`;
    try {
      new RegExp(out, 'u');
    } catch {
      throw new Error(`invalid character class range: \\p{${name}}`);
    }
    return out;
  }
}

/** Compile a Go (RE2) regular expression as an equivalent JS RegExp; throws Error on bad syntax. */
export function goRegExp(source: string): RegExp {
  return new Translator(source).translate();
}
