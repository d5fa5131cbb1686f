/** Go's text/template/parse: the same tree, the same checks at parse time, the same error texts. */
import { Item, Lexer, type Token, tokenString } from './lex';
import { parseGoFloat, parseGoInt, quote, unquote, unquoteCharLiteral } from './strconv';
import type { Complex } from './value';

export type Node =
  | TextNode
  | ActionNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | CommentNode
  | ListNode
  | PipeNode
  | CommandNode
  | ArgNode
  | EndNode
  | ElseNode;

export type ArgNode = FieldNode | ChainNode | IdentifierNode | VariableNode | DotNode | NilNode | BoolNode | NumberNode | StringNode | PipeNode;

interface Base {
  readonly pos: number;
}
export interface TextNode extends Base {
  readonly type: 'text';
  readonly text: string;
}
export interface CommentNode extends Base {
  readonly type: 'comment';
}
export interface ListNode extends Base {
  readonly type: 'list';
  readonly nodes: Node[];
}
export interface PipeNode extends Base {
  readonly type: 'pipe';
  isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}
export interface ActionNode extends Base {
  readonly type: 'action';
  readonly pipe: PipeNode;
}
export interface CommandNode extends Base {
  readonly type: 'command';
  readonly args: ArgNode[];
}
export interface IdentifierNode extends Base {
  readonly type: 'identifier';
  readonly ident: string;
}
export interface VariableNode extends Base {
  readonly type: 'variable';
  readonly ident: string[];
}
export interface DotNode extends Base {
  readonly type: 'dot';
}
export interface NilNode extends Base {
  readonly type: 'nil';
}
export interface FieldNode extends Base {
  readonly type: 'field';
  readonly ident: string[];
}
export interface ChainNode extends Base {
  readonly type: 'chain';
  readonly node: ArgNode;
  readonly field: string[];
}
export interface BoolNode extends Base {
  readonly type: 'bool';
  readonly val: boolean;
}
export interface NumberNode extends Base {
  readonly type: 'number';
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int64: bigint;
  uint64: bigint;
  float64: number;
  complex128: Complex;
  readonly text: string;
}
export interface StringNode extends Base {
  readonly type: 'string';
  readonly quoted: string;
  readonly text: string;
}
export interface EndNode extends Base {
  readonly type: 'end';
}
export interface ElseNode extends Base {
  readonly type: 'else';
}
export interface BranchNode extends Base {
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}
export interface IfNode extends BranchNode {
  readonly type: 'if';
}
export interface RangeNode extends BranchNode {
  readonly type: 'range';
}
export interface WithNode extends BranchNode {
  readonly type: 'with';
}
export interface TemplateNode extends Base {
  readonly type: 'template';
  readonly name: string;
  readonly pipe: PipeNode | undefined;
}
export interface BreakNode extends Base {
  readonly type: 'break';
}
export interface ContinueNode extends Base {
  readonly type: 'continue';
}

/** node.String() in Go: the context in exec errors. */
export function nodeString(n: Node): string {
  switch (n.type) {
    case 'text':
      return n.text;
    case 'comment':
      return '{{/* */}}';
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = n.decl.map(nodeString).join(', ') + ' := ';
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'field':
      return n.ident.map((id) => '.' + id).join('');
    case 'chain':
      return (n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + n.field.map((f) => '.' + f).join('');
    case 'bool':
      return n.val ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
    case 'if':
    case 'range':
    case 'with': {
      let s = `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}`;
      if (n.elseList) s += `{{else}}${nodeString(n.elseList)}`;
      return s + '{{end}}';
    }
    case 'template':
      return `{{template ${quote(n.name)}${n.pipe ? ' ' + nodeString(n.pipe) : ''}}}`;
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
  }
}

/** A parse error: the message is Go's full text. */
export class ParseError extends Error {
  override name = 'ParseError';
}

export interface Tree {
  readonly name: string;
  readonly root: ListNode;
  /** The text the positions refer to */
  readonly text: string;
  /** The name of the top-level template, for error locations */
  readonly parseName: string;
}

/** Parses text, as text/template's Parse with the given function names known; returns every defined tree. */
export function parse(name: string, text: string, hasFunction: (name: string) => boolean): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  const lexer = new Lexer(text, !hasFunction('break'), !hasFunction('continue'));
  const p = new Parser(name, name, text, lexer, hasFunction, treeSet);
  p.parseTop();
  p.add();
  return treeSet;
}

class Parser {
  root: ListNode = { type: 'list', pos: 0, nodes: [] };
  private readonly token: Token[] = [];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;

  constructor(
    public name: string,
    readonly parseName: string,
    readonly text: string,
    readonly lex: Lexer,
    readonly hasFunction: (name: string) => boolean,
    readonly treeSet: Map<string, Tree>,
  ) {}

  // Go's three-token lookahead; a define/block body gets its own, reading on from the same lexer.
  private get pc(): number {
    return this.peekCount;
  }
  private set pc(v: number) {
    this.peekCount = v;
  }

  next(): Token {
    if (this.pc > 0) this.pc--;
    else this.token[0] = this.lex.nextItem();
    return this.token[this.pc] as Token;
  }
  backup(): void {
    this.pc++;
  }
  backup2(t1: Token): void {
    this.token[1] = t1;
    this.pc = 2;
  }
  backup3(t2: Token, t1: Token): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.pc = 3;
  }
  peek(): Token {
    if (this.pc > 0) return this.token[this.pc - 1] as Token;
    this.pc = 1;
    this.token[0] = this.lex.nextItem();
    return this.token[0];
  }
  nextNonSpace(): Token {
    let t: Token;
    do t = this.next();
    while (t.typ === Item.Space);
    return t;
  }
  peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  errorf(msg: string): never {
    const line = this.token[0]?.line ?? 1;
    throw new ParseError(`template: ${this.parseName}:${line}: ${msg}`);
  }
  expect(expected: Item, context: string): Token {
    const t = this.nextNonSpace();
    if (t.typ !== expected) this.unexpected(t, context);
    return t;
  }
  expectOneOf(e1: Item, e2: Item, context: string): Token {
    const t = this.nextNonSpace();
    if (t.typ !== e1 && t.typ !== e2) this.unexpected(t, context);
    return t;
  }
  unexpected(t: Token, context: string): never {
    if (t.typ === Item.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${tokenString(t)}${extra}`);
    }
    this.errorf(`unexpected ${tokenString(t)} in ${context}`);
  }

  add(): void {
    const tree = this.treeSet.get(this.name);
    if (tree === undefined || isEmptyTree(tree.root)) {
      this.treeSet.set(this.name, { name: this.name, root: this.root, text: this.text, parseName: this.parseName });
      return;
    }
    if (!isEmptyTree(this.root)) this.errorf(`template: multiple definition of template ${quote(this.name)}`);
  }

  parseTop(): void {
    this.root = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== Item.EOF) {
      if (this.peek().typ === Item.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === Item.Define) {
          const def = new Parser('definition', this.parseName, this.text, this.lex, this.hasFunction, this.treeSet);
          def.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      this.root.nodes.push(n);
    }
  }

  parseDefinition(): void {
    const context = 'define clause';
    const nameTok = this.expectOneOf(Item.String, Item.RawString, context);
    const n = unquote(nameTok.val);
    if (n === undefined) this.errorf('invalid syntax');
    this.name = n;
    this.expect(Item.RightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add();
  }

  itemList(): [ListNode, Node] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== Item.EOF) {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  textOrAction(): Node {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.Text:
        return { type: 'text', pos: t.pos, text: t.val };
      case Item.LeftDelim: {
        this.actionLine = t.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case Item.Comment:
        return { type: 'comment', pos: t.pos };
      default:
        this.unexpected(t, 'input');
    }
  }

  action(): Node {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.Block:
        return this.blockControl();
      case Item.Break:
        return this.breakControl(t.pos, 'break');
      case Item.Continue:
        return this.breakControl(t.pos, 'continue');
      case Item.Else:
        return this.elseControl();
      case Item.End:
        return this.endControl();
      case Item.If:
        return this.ifControl();
      case Item.Range:
        return this.rangeControl();
      case Item.Template:
        return this.templateControl();
      case Item.With:
        return this.withControl();
    }
    this.backup();
    const tok = this.peek();
    return { type: 'action', pos: tok.pos, pipe: this.pipeline('command', Item.RightDelim) };
  }

  breakControl(pos: number, kind: 'break' | 'continue'): Node {
    const t = this.nextNonSpace();
    if (t.typ !== Item.RightDelim) this.unexpected(t, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos };
  }

  pipeline(context: string, end: Item): PipeNode {
    const tok = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: tok.pos, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ === Item.Variable) {
        this.next();
        const tokenAfterVariable = this.peek();
        const next = this.peekNonSpace();
        if (next.typ === Item.Assign || next.typ === Item.Declare) {
          pipe.isAssign = next.typ === Item.Assign;
          this.nextNonSpace();
          pipe.decl.push(newVariable(v.pos, v.val));
          this.vars.push(v.val);
        } else if (next.typ === Item.Char && next.val === ',') {
          this.nextNonSpace();
          pipe.decl.push(newVariable(v.pos, v.val));
          this.vars.push(v.val);
          if (context === 'range' && pipe.decl.length < 2) {
            const pk = this.peekNonSpace().typ;
            if (pk === Item.Variable || pk === Item.RightDelim || pk === Item.RightParen) continue decls;
            this.errorf('range can only initialize variables');
          }
          this.errorf(`too many declarations in ${context}`);
        } else if (tokenAfterVariable.typ === Item.Space) {
          this.backup3(v, tokenAfterVariable);
        } else {
          this.backup2(v);
        }
      }
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      switch (t.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case Item.Bool:
        case Item.CharConstant:
        case Item.Complex:
        case Item.Dot:
        case Item.Field:
        case Item.Identifier:
        case Item.Number:
        case Item.Nil:
        case Item.RawString:
        case Item.String:
        case Item.Variable:
        case Item.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]?.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  parseControl(context: 'if' | 'range' | 'with'): [number, PipeNode, ListNode, ListNode | undefined] {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, Item.RightDelim);
      if (context === 'range') this.rangeDepth++;
      const [list, next0] = this.itemList();
      let next = next0;
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.type === 'else') {
        // {{else if}} and {{else with}} chain: the pending keyword starts a nested control needing no {{end}} of its own.
        if (context === 'if' && this.peek().typ === Item.If) {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.ifControl()] };
        } else if (context === 'with' && this.peek().typ === Item.With) {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.withControl()] };
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return [pipe.pos, pipe, list, elseList];
    } finally {
      this.vars.length = mark;
    }
  }

  ifControl(): Node {
    const [pos, pipe, list, elseList] = this.parseControl('if');
    return { type: 'if', pos, pipe, list, elseList };
  }
  rangeControl(): Node {
    const [pos, pipe, list, elseList] = this.parseControl('range');
    return { type: 'range', pos, pipe, list, elseList };
  }
  withControl(): Node {
    const [pos, pipe, list, elseList] = this.parseControl('with');
    return { type: 'with', pos, pipe, list, elseList };
  }
  endControl(): Node {
    return { type: 'end', pos: this.expect(Item.RightDelim, 'end').pos };
  }
  elseControl(): Node {
    const pk = this.peekNonSpace();
    if (pk.typ === Item.If || pk.typ === Item.With) return { type: 'else', pos: pk.pos };
    const t = this.expect(Item.RightDelim, 'else');
    return { type: 'else', pos: t.pos };
  }

  blockControl(): Node {
    const context = 'block clause';
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    const pipe = this.pipeline(context, Item.RightDelim);
    const block = new Parser(name, this.parseName, this.text, this.lex, this.hasFunction, this.treeSet);
    const [list, end] = block.itemList();
    block.root = list;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    block.add();
    return { type: 'template', pos: t.pos, name, pipe };
  }

  templateControl(): Node {
    const context = 'template clause';
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().typ !== Item.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, Item.RightDelim);
    }
    return { type: 'template', pos: t.pos, name, pipe };
  }

  parseTemplateName(t: Token, context: string): string {
    if (t.typ === Item.String || t.typ === Item.RawString) {
      const s = unquote(t.val);
      if (s === undefined) this.errorf('invalid syntax');
      return s;
    }
    this.unexpected(t, context);
  }

  command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const t = this.next();
      if (t.typ === Item.Space) continue;
      if (t.typ === Item.RightDelim || t.typ === Item.RightParen) this.backup();
      else if (t.typ !== Item.Pipe) this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  operand(): ArgNode | undefined {
    let node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().typ === Item.Field) {
      const pos = this.peek().pos;
      const fields: string[] = [];
      while (this.peek().typ === Item.Field) fields.push(this.next().val.slice(1));
      const chainText = nodeString({ type: 'chain', pos, node, field: fields });
      switch (node.type) {
        case 'field':
          node = { type: 'field', pos, ident: chainText.slice(1).split('.') };
          break;
        case 'variable':
          node = newVariable(pos, chainText);
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${quote(nodeString(node))}`);
        // falls through: errorf never returns
        default:
          node = { type: 'chain', pos, node, field: fields };
      }
    }
    return node;
  }

  term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.Identifier:
        if (!this.hasFunction(t.val)) this.errorf(`function ${quote(t.val)} not defined`);
        return { type: 'identifier', pos: t.pos, ident: t.val };
      case Item.Dot:
        return { type: 'dot', pos: t.pos };
      case Item.Nil:
        return { type: 'nil', pos: t.pos };
      case Item.Variable:
        return this.useVar(t.pos, t.val);
      case Item.Field:
        return { type: 'field', pos: t.pos, ident: t.val.slice(1).split('.') };
      case Item.Bool:
        return { type: 'bool', pos: t.pos, val: t.val === 'true' };
      case Item.CharConstant:
      case Item.Complex:
      case Item.Number:
        return this.newNumber(t);
      case Item.LeftParen:
        return this.pipeline('parenthesized pipeline', Item.RightParen);
      case Item.String:
      case Item.RawString: {
        const s = unquote(t.val);
        if (s === undefined) this.errorf('invalid syntax');
        return { type: 'string', pos: t.pos, quoted: t.val, text: s };
      }
    }
    this.backup();
    return undefined;
  }

  useVar(pos: number, name: string): VariableNode {
    const v = newVariable(pos, name);
    if (this.vars.includes(v.ident[0] as string)) return v;
    this.errorf(`undefined variable ${quote(v.ident[0] as string)}`);
  }

  newNumber(t: Token): NumberNode {
    const text = t.val;
    const n: NumberNode = {
      type: 'number',
      pos: t.pos,
      text,
      isInt: false,
      isUint: false,
      isFloat: false,
      isComplex: false,
      int64: 0n,
      uint64: 0n,
      float64: 0,
      complex128: { re: 0, im: 0 },
    };
    const MAX_I64 = (1n << 63n) - 1n;
    const MIN_I64 = -(1n << 63n);
    const MAX_U64 = (1n << 64n) - 1n;
    const simplifyComplex = (): void => {
      n.isFloat = n.complex128.im === 0;
      if (n.isFloat) {
        n.float64 = n.complex128.re;
        n.isInt = Number.isInteger(n.float64) && Math.abs(n.float64) < 2 ** 63;
        if (n.isInt) n.int64 = BigInt(n.float64);
        n.isUint = Number.isInteger(n.float64) && n.float64 >= 0 && n.float64 < 2 ** 64;
        if (n.isUint) n.uint64 = BigInt(n.float64);
      }
    };
    if (t.typ === Item.CharConstant) {
      const r = unquoteCharLiteral(text);
      if (typeof r === 'string') this.errorf(r);
      n.int64 = n.uint64 = BigInt(r);
      n.float64 = r;
      n.isInt = n.isUint = n.isFloat = true;
      return n;
    }
    if (t.typ === Item.Complex) {
      // Go reads "re+imi" with fmt.Sscan.
      const m = /^([+-]?[^+-]+(?:[eEpP][+-]?\d+)?)([+-].*)i$/.exec(text);
      const re = m ? parseGoFloat(m[1] as string) : undefined;
      const im = m ? parseGoFloat(m[2] as string) : undefined;
      if (re === undefined || im === undefined) this.errorf(`expected integer`);
      n.isComplex = true;
      n.complex128 = { re, im };
      simplifyComplex();
      return n;
    }
    if (text.endsWith('i')) {
      const f = parseGoFloat(text.slice(0, -1));
      if (f !== undefined) {
        n.isComplex = true;
        n.complex128 = { re: 0, im: f };
        simplifyComplex();
        return n;
      }
    }
    const big = parseGoInt(text);
    if (big !== undefined && big >= 0n && big <= MAX_U64 && !text.startsWith('-')) {
      n.isUint = true;
      n.uint64 = big;
    }
    if (big !== undefined && big >= MIN_I64 && big <= MAX_I64) {
      n.isInt = true;
      n.int64 = big;
      if (big === 0n) {
        n.isUint = true;
        n.uint64 = 0n;
      }
    }
    if (n.isInt) {
      n.isFloat = true;
      n.float64 = Number(n.int64);
    } else if (n.isUint) {
      n.isFloat = true;
      n.float64 = Number(n.uint64);
    } else {
      const f = parseGoFloat(text);
      if (f !== undefined && Number.isFinite(f)) {
        if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${quote(text)}`);
        n.isFloat = true;
        n.float64 = f;
        if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
          n.isInt = true;
          n.int64 = BigInt(f);
        }
        if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
          n.isUint = true;
          n.uint64 = BigInt(f);
        }
      }
    }
    if (!n.isInt && !n.isUint && !n.isFloat) this.errorf(`illegal number syntax: ${quote(text)}`);
    return n;
  }
}

function newVariable(pos: number, ident: string): VariableNode {
  return { type: 'variable', pos, ident: ident.split('.') };
}

function isEmptyTree(n: Node | undefined): boolean {
  if (n === undefined) return true;
  switch (n.type) {
    case 'comment':
      return true;
    case 'list':
      return n.nodes.every(isEmptyTree);
    case 'text':
      return n.text.trim() === '';
    default:
      return false;
  }
}
