/**
 * Go's text/template, faithfully: lexer, parser, executor and fmt's printf, with Go's error texts.
 * `funcs: 'go'` is text/template's builtins only (what the Go reimage gives -rename-template);
 * `funcs: 'sprig'` adds the sprig functions its report templates use.
 */
import { TemplateError } from './errors';
import { execute, ExecError, type FuncEntry } from './exec';
import { BUILTINS } from './funcs';
import { parse, ParseError, type Tree } from './parse';
import { fromJS } from './value';

export { TemplateError };
export { goStruct } from './value';

export interface GoTemplate {
  /** Runs the template; throws TemplateError with Go's text on execution errors. */
  execute(data: unknown): string;
}

export interface ParseOptions {
  funcs?: 'go' | 'sprig';
}

let sprigFuncs: ReadonlyMap<string, FuncEntry> | undefined;
function funcSet(kind: 'go' | 'sprig'): ReadonlyMap<string, FuncEntry> {
  if (kind === 'go') return BUILTINS;
  // Loaded on first use: rename templates never pay for sprig.
  sprigFuncs ??= new Map([...BUILTINS, ...(require('./sprig') as typeof import('./sprig')).SPRIG]);
  return sprigFuncs;
}

/** template.New(name).Funcs(...).Parse(text); throws TemplateError with Go's text. */
export function parseTemplate(name: string, text: string, opts: ParseOptions = {}): GoTemplate {
  const funcs = funcSet(opts.funcs ?? 'go');
  let trees: Map<string, Tree>;
  try {
    trees = parse(name, text, (f) => funcs.has(f));
  } catch (e) {
    if (e instanceof ParseError) throw new TemplateError(e.message);
    throw e;
  }
  const set = { trees, funcs };
  return Object.freeze({
    execute(data: unknown): string {
      try {
        return execute(set, name, fromJS(data));
      } catch (e) {
        if (e instanceof ExecError) throw new TemplateError(e.message);
        throw e;
      }
    },
  });
}
