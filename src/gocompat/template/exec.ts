/** Go's text/template executor (exec.go): evaluation rules, truth, range order and error texts. */
import { sortedEntries, sprint, toArg } from './fmt';
import type { ArgNode, ChainNode, CommandNode, FieldNode, IdentifierNode, Node, NumberNode, PipeNode, RangeNode, Tree, VariableNode } from './parse';
import { nodeString } from './parse';
import { quote } from './strconv';
import {
  boxIface,
  type Complex,
  FuncError,
  type GoFunc,
  type GoMap,
  type GoType,
  indirect,
  indirectInterface,
  INVALID,
  isFloatKind,
  isIntKind,
  isUintKind,
  T,
  Value,
} from './value';

/** An execution error: the message is Go's full text. */
export class ExecError extends Error {
  override name = 'ExecError';
}

export interface FuncEntry {
  readonly fn: GoFunc;
  /** and/or: arguments are evaluated lazily */
  readonly shortCircuit?: 'and' | 'or';
}

export interface TemplateSet {
  readonly trees: Map<string, Tree>;
  readonly funcs: ReadonlyMap<string, FuncEntry>;
}

const MISSING = new Value(T.invalid, Symbol('missing'));
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const MAX_EXEC_DEPTH = 100000;

interface Variable {
  readonly name: string;
  value: Value;
}

/** Runs the named template of the set on data (already in the typed model). */
export function execute(set: TemplateSet, name: string, data: Value): string {
  const tree = set.trees.get(name);
  const s: State = new State(set, name, tree, [{ name: '$', value: data }], 0);
  if (tree === undefined) s.errorf(`${quote(name)} is an incomplete or empty template`);
  try {
    s.walk(data, tree.root);
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      s.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    }
    throw e;
  }
  return s.out.join('');
}

class State {
  node: Node | undefined;
  out: string[] = [];

  constructor(
    readonly set: TemplateSet,
    readonly name: string,
    readonly tree: Tree | undefined,
    public vars: Variable[],
    readonly depth: number,
  ) {}

  at(n: Node): void {
    this.node = n;
  }

  errorf(msg: string): never {
    if (this.node === undefined || this.tree === undefined) throw new ExecError(`template: ${this.name}: ${msg}`);
    const text = this.tree.text;
    const pos = this.node.pos;
    const before = text.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const col = Buffer.byteLength(before.slice(nl + 1), 'utf8');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const location = `${this.tree.parseName}:${line}:${col}`;
    throw new ExecError(`template: ${location}: executing ${quote(this.name)} at <${nodeString(this.node)}>: ${msg}`);
  }

  mark(): number {
    return this.vars.length;
  }
  pop(mark: number): void {
    this.vars.length = mark;
  }
  push(name: string, value: Value): void {
    this.vars.push({ name, value });
  }
  setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  setTopVar(n: number, value: Value): void {
    (this.vars[this.vars.length - n] as Variable).value = value;
  }
  varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: Value, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'comment':
        return;
      case 'if':
      case 'with':
        return this.walkIfOrWith(node.type, dot, node.pipe, node.list, node.elseList);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node.name, node.pipe, node);
      case 'text':
        this.out.push(node.text);
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  walkIfOrWith(typ: 'if' | 'with', dot: Value, pipe: PipeNode, list: Node, elseList: Node | undefined): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, pipe);
      const [truth, ok] = isTrue(indirectInterface(val));
      if (!ok) this.errorf(`if/with can't use ${sprint([toArg(val)])}`);
      if (truth) this.walk(typ === 'with' ? val : dot, list);
      else if (elseList) this.walk(dot, elseList);
    } finally {
      this.pop(mark);
    }
  }

  walkRange(dot: Value, r: RangeNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const [val] = indirect(this.evalPipeline(dot, r.pipe));
      const mark = this.mark();
      const oneIteration = (index: Value, elem: Value): void => {
        if (r.pipe.decl.length > 0) this.setTopVar(1, elem);
        if (r.pipe.decl.length > 1) this.setTopVar(2, index);
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
      };
      const k = val.kind;
      if (k === 'array' || k === 'slice') {
        const items = (val.v as Value[] | null) ?? [];
        if (items.length > 0) {
          items.forEach((x, i) => oneIteration(new Value(T.int, BigInt(i)), x));
          return;
        }
      } else if (k === 'map') {
        const m = val.v as GoMap | null;
        if (m !== null && m.size > 0) {
          for (const [key, v] of sortedEntries(m)) oneIteration(key, v);
          return;
        }
      } else if (isIntKind(k) || isUintKind(k)) {
        if (r.pipe.decl.length > 1) this.errorf(`can't use ${sprint([toArg(val)])} to iterate over more than one variable`);
        const n = val.v as bigint;
        if (n > 0n) {
          for (let i = 0n; i < n; i++) oneIteration(INVALID, new Value(val.t, i));
          return;
        }
      } else if (k !== 'invalid') {
        this.errorf(`range can't iterate over ${sprint([toArg(val)])}`);
      }
      if (r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally {
      this.pop(outer);
    }
  }

  walkTemplate(dot: Value, name: string, pipe: PipeNode | undefined, node: Node): void {
    this.at(node);
    const tree = this.set.trees.get(name);
    if (tree === undefined) this.errorf(`template ${quote(name)} not defined`);
    if (this.depth === MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = this.evalPipeline(dot, pipe);
    const s = new State(this.set, name, tree, [{ name: '$', value: newDot }], this.depth + 1);
    s.out = this.out;
    s.walk(newDot, tree.root);
  }

  evalPipeline(dot: Value, pipe: PipeNode | undefined): Value {
    if (pipe === undefined) return INVALID;
    this.at(pipe);
    let value = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      if (value.kind === 'interface' && value.t.name === 'interface {}') value = indirectInterface(value);
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0] as string, value);
      else this.push(v.ident[0] as string, value);
    }
    return value;
  }

  notAFunction(args: readonly ArgNode[], final: Value): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0] as ArgNode)}`);
  }

  evalCommand(dot: Value, cmd: CommandNode, final: Value): Value {
    const first = cmd.args[0] as ArgNode;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return new Value(T.bool, first.val);
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // falls through: errorf never returns
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return new Value(T.string, first.text);
    }
  }

  idealConstant(c: NumberNode): Value {
    this.at(c);
    if (c.isComplex) return new Value(T.complex128, c.complex128);
    const isHexInt = /^0[xX]/.test(c.text) && !/[pP]/.test(c.text);
    const isRuneInt = c.text.startsWith("'");
    if (c.isFloat && !isHexInt && !isRuneInt && /[.eEpP]/.test(c.text)) return new Value(T.float64, c.float64);
    if (c.isInt) return new Value(T.int, c.int64);
    if (c.isUint) this.errorf(`${c.text} overflows int`);
    return INVALID;
  }

  evalFieldNode(dot: Value, field: FieldNode, args: readonly ArgNode[], final: Value): Value {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  evalChainNode(dot: Value, chain: ChainNode, args: readonly ArgNode[], final: Value): Value {
    this.at(chain);
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  evalVariableNode(dot: Value, variable: VariableNode, args: readonly ArgNode[], final: Value): Value {
    this.at(variable);
    const value = this.varValue(variable.ident[0] as string);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  evalFieldChain(dot: Value, receiver: Value, node: Node, ident: readonly string[], args: readonly ArgNode[], final: Value): Value {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i] as string, node, [], MISSING, receiver);
    return this.evalField(dot, ident[n - 1] as string, node, args, final, receiver);
  }

  evalFunction(dot: Value, node: IdentifierNode, cmd: Node, args: readonly ArgNode[] | undefined, final: Value): Value {
    this.at(node);
    const name = node.ident;
    const entry = this.set.funcs.get(name);
    if (entry === undefined) this.errorf(`${quote(name)} is not a defined function`);
    return this.evalCall(dot, entry.fn, entry.shortCircuit, cmd, name, args, final);
  }

  evalField(dot: Value, fieldName: string, node: Node, args: readonly ArgNode[], final: Value, receiver: Value): Value {
    if (receiver.kind === 'invalid') return INVALID;
    const typ = receiver.t;
    const [recv, isNil] = indirect(receiver);
    if (recv.kind === 'interface' && isNil) this.errorf(`nil pointer evaluating ${typ.name}.${fieldName}`);
    const method = recv.t.methods?.[fieldName];
    if (method !== undefined) return this.evalCall(dot, method(recv), undefined, node, fieldName, args, final);
    const hasArgs = args.length > 1 || final !== MISSING;
    if (recv.kind === 'struct') {
      const field = recv.t.fields?.find((f) => f.name === fieldName);
      if (field !== undefined) {
        if (!/^\p{Lu}/u.test(fieldName)) this.errorf(`${fieldName} is an unexported field of struct type ${typ.name}`);
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        return (recv.v as Map<string, Value>).get(fieldName) as Value;
      }
    } else if (recv.kind === 'map' && recv.t.key?.kind === 'string') {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const m = recv.v as GoMap | null;
      return m?.get(new Value(T.string, fieldName)) ?? INVALID;
    } else if (recv.kind === 'ptr' && isNil) {
      this.errorf(`nil pointer evaluating ${typ.name}.${fieldName}`);
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ.name}`);
  }

  evalCall(
    dot: Value,
    fn: GoFunc,
    shortCircuit: 'and' | 'or' | undefined,
    node: Node,
    name: string,
    argNodes: readonly ArgNode[] | undefined,
    final: Value,
  ): Value {
    const args = argNodes ? argNodes.slice(1) : [];
    let numIn = args.length;
    if (final !== MISSING) numIn++;
    let numFixed = args.length;
    const numParams = fn.params.length + (fn.variadic ? 1 : 0);
    if (fn.variadic) {
      numFixed = fn.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== numParams) {
      this.errorf(`wrong number of args for ${name}: want ${numParams} got ${numIn}`);
    }

    if (shortCircuit !== undefined) {
      let v: Value = INVALID;
      for (const arg of args) {
        v = this.evalArg(dot, T.rvalue, arg);
        if (truth(v) === (shortCircuit === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, T.rvalue);
      return v;
    }

    const argv: Value[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, fn.params[i], args[i] as ArgNode));
    if (fn.variadic) for (; i < args.length; i++) argv.push(this.evalArg(dot, fn.variadic, args[i] as ArgNode));
    if (final !== MISSING) {
      let t: GoType = fn.variadic ?? (fn.params[fn.params.length - 1] as GoType);
      if (fn.variadic && numIn - 1 < numFixed) t = fn.params[numIn - 1] as GoType;
      argv.push(this.validateType(final, t));
    }
    let result: Value;
    try {
      result = fn.call(argv);
    } catch (e) {
      if (e === BREAK || e === CONTINUE || e instanceof ExecError) throw e;
      this.at(node);
      const msg = e instanceof FuncError ? e.message : e instanceof Error ? e.message : String(e);
      this.errorf(`error calling ${name}: ${msg}`);
    }
    if (fn.result.kind === 'interface' && fn.result.name === 'interface {}') return boxIface(result);
    return result;
  }

  validateType(value: Value, typ: GoType | undefined): Value {
    if (value.kind === 'invalid') {
      if (typ === undefined) return INVALID;
      if (typ.kind === 'rvalue') return INVALID;
      if (canBeNil(typ)) return zero(typ);
      this.errorf(`invalid value; expected ${typ.name}`);
    }
    if (typ === undefined || typ.kind === 'rvalue') return value;
    if (!assignable(value.t, typ)) {
      if (value.kind === 'interface' && value.v !== null) {
        value = value.v as Value;
        if (assignable(value.t, typ)) return value;
      }
      this.errorf(`wrong type for value; expected ${typ.name}; got ${value.t.name}`);
    }
    return value;
  }

  evalArg(dot: Value, typ: GoType | undefined, n: ArgNode): Value {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ !== undefined && typ.kind === 'rvalue') return INVALID;
        if (typ !== undefined && canBeNil(typ)) return zero(typ);
        this.errorf(`cannot assign nil to ${typ?.name ?? '<nil>'}`);
      // falls through: errorf never returns
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, [], MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, undefined, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, [], MISSING), typ);
    }
    const k = typ?.kind;
    if (typ === undefined) return this.evalEmptyInterface(dot, n);
    if (k === 'bool') {
      if (n.type === 'bool') return new Value(typ, n.val);
      this.errorf(`expected bool; found ${nodeString(n)}`);
    }
    if (k === 'complex128') {
      if (n.type === 'number' && n.isComplex) return new Value(typ, n.complex128);
      this.errorf(`expected complex; found ${nodeString(n)}`);
    }
    if (k !== undefined && isFloatKind(k)) {
      if (n.type === 'number' && n.isFloat) return new Value(typ, n.float64);
      this.errorf(`expected float; found ${nodeString(n)}`);
    }
    if (k !== undefined && isIntKind(k)) {
      if (n.type === 'number' && n.isInt) return new Value(typ, n.int64);
      this.errorf(`expected integer; found ${nodeString(n)}`);
    }
    if (k === 'interface' && typ.name === 'interface {}') return this.evalEmptyInterface(dot, n);
    if (k === 'rvalue') return this.evalEmptyInterface(dot, n);
    if (k === 'string') {
      if (n.type === 'string') return new Value(typ, n.text);
      this.errorf(`expected string; found ${nodeString(n)}`);
    }
    if (k !== undefined && isUintKind(k)) {
      if (n.type === 'number' && n.isUint) return new Value(typ, n.uint64);
      this.errorf(`expected unsigned integer; found ${nodeString(n)}`);
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ.name}`);
  }

  evalEmptyInterface(dot: Value, n: ArgNode): Value {
    this.at(n);
    switch (n.type) {
      case 'bool':
        return new Value(T.bool, n.val);
      case 'dot':
        return dot;
      case 'field':
        return this.evalFieldNode(dot, n, [], MISSING);
      case 'identifier':
        return this.evalFunction(dot, n, n, undefined, MISSING);
      case 'nil':
        this.errorf("evalEmptyInterface: nil (can't happen)");
      // falls through: errorf never returns
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return new Value(T.string, n.text);
      case 'variable':
        return this.evalVariableNode(dot, n, [], MISSING);
      case 'pipe':
        return this.evalPipeline(dot, n);
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  printValue(n: Node, v: Value): void {
    this.at(n);
    if (v.kind === 'ptr') [v] = indirect(v);
    if (v.kind === 'invalid') {
      this.out.push('<no value>');
      return;
    }
    if (v.kind === 'func' && v.t.stringer === undefined) this.errorf(`can't print ${nodeString(n)} of type ${v.t.name}`);
    this.out.push(sprint([toArg(v)]));
  }
}

function canBeNil(t: GoType): boolean {
  return t.kind === 'func' || t.kind === 'interface' || t.kind === 'map' || t.kind === 'ptr' || t.kind === 'slice';
}

function zero(t: GoType): Value {
  return new Value(t, null);
}

/** Go's AssignableTo for the types this model has: identical types, or any value to interface{}. */
export function assignable(from: GoType, to: GoType): boolean {
  if (from === to || from.name === to.name) return true;
  if (to.kind === 'interface') {
    if (to.name === 'interface {}') return true;
    if (to.name === 'error') return from.name === 'error' || from.stringer !== undefined;
  }
  return false;
}

/** Go's isTrue: the truth of a value, and whether it has one. */
export function isTrue(val: Value): [boolean, boolean] {
  const k = val.kind;
  if (k === 'invalid') return [false, true];
  if (k === 'array' || k === 'slice') return [((val.v as Value[] | null) ?? []).length > 0, true];
  if (k === 'map') return [((val.v as GoMap | null)?.size ?? 0) > 0, true];
  if (k === 'string') return [(val.v as string).length > 0, true];
  if (k === 'bool') return [val.v as boolean, true];
  if (k === 'complex128') {
    const c = val.v as Complex;
    return [c.re !== 0 || c.im !== 0, true];
  }
  if (k === 'func' || k === 'ptr' || k === 'interface') return [val.v !== null, true];
  if (isIntKind(k) || isUintKind(k)) return [(val.v as bigint) !== 0n, true];
  if (isFloatKind(k)) return [(val.v as number) !== 0, true];
  if (k === 'struct') return [true, true];
  return [false, false];
}

export function truth(v: Value): boolean {
  return isTrue(indirectInterface(v))[0];
}
