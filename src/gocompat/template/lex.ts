/** Go's text/template/parse lexer, state for state: the same items, positions and error texts. */
import { quote } from './strconv';

export const enum Item {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Complex,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  Keyword, // delimits the keywords
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

export interface Token {
  readonly typ: Item;
  /** Offset in the input (UTF-16 units; converted to bytes for messages) */
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

const KEY: Readonly<Record<string, Item>> = {
  '.': Item.Dot,
  block: Item.Block,
  break: Item.Break,
  continue: Item.Continue,
  define: Item.Define,
  else: Item.Else,
  end: Item.End,
  if: Item.If,
  range: Item.Range,
  nil: Item.Nil,
  template: Item.Template,
  with: Item.With,
};

const LEFT = '{{';
const RIGHT = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
const SPACE_CHARS = ' \t\r\n';
const EOF_RUNE = -1;

const isSpace = (r: number): boolean => r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}_]$/u;
export const isAlphaNumeric = (r: number): boolean => r >= 0 && LETTER_OR_DIGIT.test(String.fromCodePoint(r));
const hasLeftTrimMarker = (s: string, at: number): boolean => s[at] === '-' && isSpace(s.charCodeAt(at + 1));
const hasRightTrimMarker = (s: string, at: number): boolean => isSpace(s.charCodeAt(at)) && s[at + 1] === '-';
const TRIM_MARKER_LEN = 2;

/** Go's %#U: U+0041 'A' */
export function formatU(r: number): string {
  const hex = r.toString(16).toUpperCase().padStart(4, '0');
  const printable = r >= 0x20 && r !== 0x7f && /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(String.fromCodePoint(r));
  return printable ? `U+${hex} '${String.fromCodePoint(r)}'` : `U+${hex}`;
}

type StateFn = ((l: Lexer) => StateFn) | null;

export class Lexer {
  private pos = 0;
  private start = 0;
  private atEOF = false;
  private parenDepth = 0;
  private line = 1;
  private startLine = 1;
  private readonly queue: Token[] = [];
  private state: StateFn = lexText;

  constructor(
    readonly input: string,
    readonly breakOK: boolean,
    readonly continueOK: boolean,
  ) {}

  nextItem(): Token {
    while (this.queue.length === 0) {
      if (this.state === null) return { typ: Item.EOF, pos: this.pos, val: '', line: this.line };
      this.state = this.state(this);
    }
    return this.queue.shift() as Token;
  }

  next(): number {
    if (this.pos >= this.input.length) {
      this.atEOF = true;
      return EOF_RUNE;
    }
    const r = this.input.codePointAt(this.pos) as number;
    this.pos += r > 0xffff ? 2 : 1;
    if (r === 0x0a) this.line++;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      const lo = this.input.charCodeAt(this.pos - 1);
      const w = lo >= 0xdc00 && lo <= 0xdfff && this.pos >= 2 ? 2 : 1;
      this.pos -= w;
      if (lo === 0x0a) this.line--;
    }
  }

  emit(t: Item): void {
    this.queue.push({ typ: t, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine });
    this.start = this.pos;
    this.startLine = this.line;
  }

  ignore(): void {
    this.line += countNL(this.input.slice(this.start, this.pos));
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r >= 0 && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (!(r >= 0 && valid.includes(String.fromCodePoint(r)))) break;
    }
    this.backup();
  }

  errorf(msg: string): StateFn {
    this.queue.push({ typ: Item.Error, pos: this.start, val: msg, line: this.startLine });
    this.state = null;
    return null;
  }

  atRightDelim(): [boolean, boolean] {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT, this.pos + TRIM_MARKER_LEN)) return [true, true];
    if (this.input.startsWith(RIGHT, this.pos)) return [true, false];
    return [false, false];
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    switch (r) {
      case EOF_RUNE:
      case 0x2e: // .
      case 0x2c: // ,
      case 0x7c: // |
      case 0x3a: // :
      case 0x29: // )
      case 0x28: // (
        return true;
    }
    return this.input.startsWith(RIGHT, this.pos);
  }

  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 10 + 1 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 16 + 6 + 1 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }

  // The state functions reach these.
  get p(): number {
    return this.pos;
  }
  set p(v: number) {
    this.pos = v;
  }
  get s(): number {
    return this.start;
  }
  get depth(): number {
    return this.parenDepth;
  }
  set depth(v: number) {
    this.parenDepth = v;
  }
  addLines(text: string): void {
    this.line += countNL(text);
  }
}

const countNL = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

const rightTrimLength = (s: string): number => s.length - s.replace(/[ \t\r\n]+$/, '').length;
const leftTrimLength = (s: string): number => s.length - s.replace(/^[ \t\r\n]+/, '').length;

function lexText(l: Lexer): StateFn {
  const x = l.input.indexOf(LEFT, l.p);
  if (x >= 0) {
    l.p = x;
    let trimLength = 0;
    if (hasLeftTrimMarker(l.input, l.p + LEFT.length)) trimLength = rightTrimLength(l.input.slice(l.s, l.p));
    l.p -= trimLength;
    if (l.p > l.s) {
      l.addLines(l.input.slice(l.s, l.p));
      l.emit(Item.Text);
    }
    l.p += trimLength;
    l.ignore();
    return lexLeftDelim;
  }
  l.p = l.input.length;
  if (l.p > l.s) {
    l.addLines(l.input.slice(l.s, l.p));
    l.emit(Item.Text);
  }
  l.emit(Item.EOF);
  return null;
}

function lexLeftDelim(l: Lexer): StateFn {
  l.p += LEFT.length;
  const trimSpace = hasLeftTrimMarker(l.input, l.p);
  const afterMarker = trimSpace ? TRIM_MARKER_LEN : 0;
  if (l.input.startsWith(LEFT_COMMENT, l.p + afterMarker)) {
    l.p += afterMarker;
    l.ignore();
    return lexComment;
  }
  l.emit(Item.LeftDelim);
  l.p += afterMarker;
  l.ignore();
  l.depth = 0;
  return lexInsideAction;
}

function lexComment(l: Lexer): StateFn {
  l.p += LEFT_COMMENT.length;
  const i = l.input.indexOf(RIGHT_COMMENT, l.p);
  if (i < 0) return l.errorf('unclosed comment');
  l.p = i + RIGHT_COMMENT.length;
  const [delim, trimSpace] = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  if (trimSpace) l.p += TRIM_MARKER_LEN;
  l.p += RIGHT.length;
  if (trimSpace) l.p += leftTrimLength(l.input.slice(l.p));
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): StateFn {
  const trimSpace = hasRightTrimMarker(l.input, l.p);
  if (trimSpace) {
    l.p += TRIM_MARKER_LEN;
    l.ignore();
  }
  l.p += RIGHT.length;
  l.emit(Item.RightDelim);
  if (trimSpace) {
    l.p += leftTrimLength(l.input.slice(l.p));
    l.ignore();
  }
  return lexText;
}

function lexInsideAction(l: Lexer): StateFn {
  const [delim] = l.atRightDelim();
  if (delim) {
    if (l.depth === 0) return lexRightDelim;
    return l.errorf('unclosed left paren');
  }
  const r = l.next();
  if (r === EOF_RUNE) return l.errorf('unclosed action');
  if (isSpace(r)) {
    l.backup();
    return lexSpace;
  }
  const c = String.fromCodePoint(r);
  switch (c) {
    case '=':
      l.emit(Item.Assign);
      return lexInsideAction;
    case ':':
      if (l.next() !== 0x3d) return l.errorf('expected :=');
      l.emit(Item.Declare);
      return lexInsideAction;
    case '|':
      l.emit(Item.Pipe);
      return lexInsideAction;
    case '"':
      return lexQuote;
    case '`':
      return lexRawQuote;
    case '$':
      return lexVariable;
    case "'":
      return lexChar;
    case '(':
      l.emit(Item.LeftParen);
      l.depth++;
      return lexInsideAction;
    case ')':
      l.emit(Item.RightParen);
      l.depth--;
      if (l.depth < 0) return l.errorf(`unexpected right paren ${formatU(r)}`);
      return lexInsideAction;
  }
  if (c === '.') {
    if (l.p < l.input.length) {
      const n = l.input[l.p] as string;
      if (n < '0' || n > '9') return lexField;
    }
    l.backup();
    return lexNumber;
  }
  if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
    l.backup();
    return lexNumber;
  }
  if (isAlphaNumeric(r)) {
    l.backup();
    return lexIdentifier;
  }
  if (r <= 0x7f && r >= 0x20 && r !== 0x7f) {
    l.emit(Item.Char);
    return lexInsideAction;
  }
  return l.errorf(`unrecognized character in action: ${formatU(r)}`);
}

function lexSpace(l: Lexer): StateFn {
  let numSpaces = 0;
  for (;;) {
    const r = l.peek();
    if (!isSpace(r)) break;
    l.next();
    numSpaces++;
  }
  if (hasRightTrimMarker(l.input, l.p - 1) && l.input.startsWith(RIGHT, l.p - 1 + TRIM_MARKER_LEN)) {
    l.backup();
    if (numSpaces === 1) return lexRightDelim;
  }
  l.emit(Item.Space);
  return lexInsideAction;
}

function lexIdentifier(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (isAlphaNumeric(r)) continue;
    l.backup();
    const word = l.input.slice(l.s, l.p);
    if (!l.atTerminator()) return l.errorf(`bad character ${formatU(r)}`);
    const key = KEY[word];
    if (key !== undefined && key > Item.Keyword) {
      if ((key === Item.Break && !l.breakOK) || (key === Item.Continue && !l.continueOK)) l.emit(Item.Identifier);
      else l.emit(key);
    } else if (word[0] === '.') {
      l.emit(Item.Field);
    } else if (word === 'true' || word === 'false') {
      l.emit(Item.Bool);
    } else {
      l.emit(Item.Identifier);
    }
    return lexInsideAction;
  }
}

function lexField(l: Lexer): StateFn {
  return lexFieldOrVariable(l, Item.Field);
}

function lexVariable(l: Lexer): StateFn {
  if (l.atTerminator()) {
    l.emit(Item.Variable);
    return lexInsideAction;
  }
  return lexFieldOrVariable(l, Item.Variable);
}

function lexFieldOrVariable(l: Lexer, typ: Item): StateFn {
  if (l.atTerminator()) {
    l.emit(typ === Item.Variable ? Item.Variable : Item.Dot);
    return lexInsideAction;
  }
  let r: number;
  for (;;) {
    r = l.next();
    if (!isAlphaNumeric(r)) {
      l.backup();
      break;
    }
  }
  if (!l.atTerminator()) return l.errorf(`bad character ${formatU(r)}`);
  l.emit(typ);
  return lexInsideAction;
}

function lexChar(l: Lexer): StateFn {
  for (;;) {
    let r = l.next();
    if (r === 0x5c) {
      r = l.next();
      if (r !== EOF_RUNE && r !== 0x0a) continue;
      return l.errorf('unterminated character constant');
    }
    if (r === EOF_RUNE || r === 0x0a) return l.errorf('unterminated character constant');
    if (r === 0x27) break;
  }
  l.emit(Item.CharConstant);
  return lexInsideAction;
}

function lexNumber(l: Lexer): StateFn {
  if (!l.scanNumber()) return l.errorf(`bad number syntax: ${quote(l.input.slice(l.s, l.p))}`);
  const sign = l.peek();
  if (sign === 0x2b || sign === 0x2d) {
    if (!l.scanNumber() || l.input[l.p - 1] !== 'i') return l.errorf(`bad number syntax: ${quote(l.input.slice(l.s, l.p))}`);
    l.emit(Item.Complex);
  } else {
    l.emit(Item.Number);
  }
  return lexInsideAction;
}

function lexQuote(l: Lexer): StateFn {
  for (;;) {
    let r = l.next();
    if (r === 0x5c) {
      r = l.next();
      if (r !== EOF_RUNE && r !== 0x0a) continue;
      return l.errorf('unterminated quoted string');
    }
    if (r === EOF_RUNE || r === 0x0a) return l.errorf('unterminated quoted string');
    if (r === 0x22) break;
  }
  l.emit(Item.String);
  return lexInsideAction;
}

function lexRawQuote(l: Lexer): StateFn {
  for (;;) {
    const r = l.next();
    if (r === EOF_RUNE) return l.errorf('unterminated raw quoted string');
    if (r === 0x60) break;
  }
  l.emit(Item.RawString);
  return lexInsideAction;
}

export { SPACE_CHARS };

/** item.String() in Go: how "unexpected X in Y" names a token. */
export function tokenString(t: Token): string {
  if (t.typ === Item.EOF) return 'EOF';
  if (t.typ === Item.Error) return t.val;
  if (t.typ > Item.Keyword) return `<${t.val}>`;
  const runes = [...t.val];
  if (runes.length > 10) return quote(runes.slice(0, 10).join('')) + '...';
  return quote(t.val);
}
