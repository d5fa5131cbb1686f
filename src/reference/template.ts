import { TemplateError } from './errors';

/** The data the Go tool's RepoTemplateInput offers to -rename-template. */
export const RENAME_FIELDS = ['RemotePath', 'Registry', 'Repository', 'Digest', 'DigestAlgo', 'DigestHex', 'Tag'] as const;
export type RenameField = (typeof RENAME_FIELDS)[number];
export type RenameTemplateData = Readonly<Record<RenameField, string>>;

export const DEFAULT_RENAME_TEMPLATE = '{{ .RemotePath }}/{{ .Registry }}/{{ .Repository }}:{{ .DigestHex }}';

export interface CompiledTemplate {
  readonly source: string;
  execute(data: Readonly<Record<string, string>>): string;
}

type Node = { readonly text: string } | { readonly field: string; readonly pos: number };

/** Go's text/template space characters, which trim markers remove and which may pad an action. */
const SPACE = ' \t\r\n';
const isSpace = (c: string | undefined): boolean => c !== undefined && c !== '' && SPACE.includes(c);
const trimRight = (s: string): string => s.replace(/[ \t\r\n]+$/, '');
const trimLeft = (s: string): string => s.replace(/^[ \t\r\n]+/, '');

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil']);

/**
 * Compiles the subset of Go's text/template that a rename needs: text, `{{ .Field }}`, `{{/* comments *\/}}`
 * and the `{{- ` / ` -}}` trim markers, with Go's lexing rules. Anything else fails here, at compile
 * time, rather than while images are being copied. Unlike Go, unknown fields are also caught here.
 * Error positions are `name:line:col` with Go's column convention: the 0-based byte offset in the line.
 */
export function compileTemplate(source: string, fields: readonly string[], name = 'rename'): CompiledTemplate {
  const nodes = parse(source, fields, name);
  return Object.freeze({
    source,
    execute(data: Readonly<Record<string, string>>): string {
      let out = '';
      for (const node of nodes) {
        if ('text' in node) {
          out += node.text;
          continue;
        }
        const value = Object.prototype.hasOwnProperty.call(data, node.field) ? data[node.field] : undefined;
        if (value === undefined) throw templateError(name, source, node.pos, `no value given for field ${node.field}`);
        out += value;
      }
      return out;
    },
  });
}

function parse(source: string, fields: readonly string[], name: string): Node[] {
  const nodes: Node[] = [];
  let pos = 0;
  let trimNext = false;
  const pushText = (text: string): void => {
    if (text !== '') nodes.push({ text });
  };

  for (;;) {
    const open = source.indexOf('{{', pos);
    let text = source.slice(pos, open < 0 ? undefined : open);
    if (trimNext) text = trimLeft(text);
    if (open < 0) {
      pushText(text);
      return nodes;
    }
    let p = open + 2;
    // `{{-` is a trim marker only when a space follows; otherwise Go reads a negative number.
    if (source[p] === '-' && isSpace(source[p + 1])) {
      text = trimRight(text);
      p += 2;
    } else if (source[p] === '-') {
      throw templateError(name, source, p, "trim marker '-' after '{{' must be followed by a space");
    }
    pushText(text);

    if (source.startsWith('/*', p)) {
      const end = source.indexOf('*/', p + 2);
      if (end < 0) throw templateError(name, source, open, 'unclosed comment');
      const close = rightDelim(source, end + 2);
      if (close === undefined) throw templateError(name, source, end + 2, 'comment ends before closing delimiter');
      [pos, trimNext] = close;
      continue;
    }

    const end = source.indexOf('}}', p);
    if (end < 0) throw templateError(name, source, open, 'unclosed action');
    let bodyEnd = end;
    trimNext = false;
    if (source[end - 1] === '-' && end - 1 >= p) {
      if (!isSpace(source[end - 2]) || end - 2 < p) {
        throw templateError(name, source, end - 1, "trim marker '-' before '}}' must be preceded by a space");
      }
      trimNext = true;
      bodyEnd = end - 2;
    }
    nodes.push(action(source, p, bodyEnd, fields, name));
    pos = end + 2;
  }
}

/** At `at`, `}}` or ` -}}`: returns where the text resumes and whether to trim it. */
function rightDelim(source: string, at: number): [number, boolean] | undefined {
  if (isSpace(source[at]) && source.startsWith('-}}', at + 1)) return [at + 4, true];
  if (source.startsWith('}}', at)) return [at + 2, false];
  return undefined;
}

/** The body of one action, source[from, to): it must be exactly one known `.Field`. */
function action(source: string, from: number, to: number, fields: readonly string[], name: string): Node {
  const body = source.slice(from, to);
  const lead = body.length - trimLeft(body).length;
  const start = from + lead;
  const word = body.trim();
  const fail = (msg: string): TemplateError => templateError(name, source, start, msg);
  const supported = 'only {{ .Field }} actions, comments and trim markers are supported';

  if (word === '') throw fail('empty action: missing value for command');
  const field = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
  if (field?.[1] !== undefined) {
    if (!fields.includes(field[1])) {
      throw fail(`can't evaluate field ${field[1]} (valid fields: ${fields.map((f) => `.${f}`).join(', ')})`);
    }
    return { field: field[1], pos: start };
  }

  const head = /^[^ \t\r\n|()]*/.exec(word)?.[0] ?? '';
  if (word.includes('|')) throw fail(`pipelines ("|") are not supported; ${supported}`);
  if (KEYWORDS.has(head)) throw fail(`"${head}" actions are not supported; ${supported}`);
  if (head === '.') throw fail(`{{ . }} (the whole data) is not supported; use a field such as {{ .Registry }}`);
  if (/^\.[A-Za-z_][A-Za-z0-9_]*\./.test(head)) throw fail(`chained field access (${head}) is not supported; ${supported}`);
  if (/^\.[A-Za-z_][A-Za-z0-9_]*[ \t\r\n]/.test(word)) throw fail(`arguments after ${head} are not supported; ${supported}`);
  if (head.startsWith('$')) throw fail(`variables are not supported; ${supported}`);
  if (head === 'true' || head === 'false' || /^["'`0-9+-]/.test(word)) throw fail(`constants are not supported; ${supported}`);
  if (/^[A-Za-z_]/.test(head)) throw fail(`function calls ("${head}") are not supported; ${supported}`);
  if (word.startsWith('(')) throw fail(`parenthesised expressions are not supported; ${supported}`);
  if (word.startsWith('/*')) throw fail('a comment must start right after "{{" (or "{{- ") and end right before "}}"');
  throw fail(`unexpected ${JSON.stringify(word)} in action; ${supported}`);
}

function templateError(name: string, source: string, pos: number, msg: string): TemplateError {
  const before = source.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - (before.lastIndexOf('\n') + 1);
  return new TemplateError(`template: ${name}:${line}:${col}: ${msg}`);
}
