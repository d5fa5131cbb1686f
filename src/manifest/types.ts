/**
 * Positional YAML tree: where every node sits in the source text, so edits can
 * splice new bytes into the original and leave everything else untouched.
 * Offsets are UTF-16 indexes into the string given to parseYamlStream.
 */

export type ScalarStyle = 'plain' | 'single' | 'double' | 'literal' | 'folded';

interface NodeBase {
  /** First character of the node's content (after any tag or anchor) */
  start: number;
  /** One past its last character (trailing spaces and comments excluded) */
  end: number;
  /** True when the node sits inside a flow collection (`{...}` / `[...]`), where `,[]{}` are special */
  inFlow: boolean;
}

export interface YamlScalar extends NodeBase {
  kind: 'scalar';
  style: ScalarStyle;
  /** The value js-yaml constructed (a string, number, boolean, null, Date...) */
  value: unknown;
  /** An empty node (`key:` with nothing after it): start === end, value null */
  empty: boolean;
}

export interface YamlPair {
  key: YamlNode;
  /** Undefined for a key with no value at all (`{a, b: c}`) */
  value: YamlNode | undefined;
}

export interface YamlMapping extends NodeBase {
  kind: 'mapping';
  flow: boolean;
  entries: YamlPair[];
  /** False when entries could not be paired reliably (explicit `?` keys); resolvePath then refuses */
  complete: boolean;
}

export interface YamlSequence extends NodeBase {
  kind: 'sequence';
  flow: boolean;
  items: YamlNode[];
  /** False when items do not line up with the loaded array (empty `-` items, `[a: b]` pairs) */
  complete: boolean;
}

/** `*name`: its value lives at the anchor, so it cannot be edited here. */
export interface YamlAlias extends NodeBase {
  kind: 'alias';
  name: string;
  /** The anchored node it stands for (the latest `&name` before it in the document) */
  target?: YamlNode;
}

export type YamlNode = YamlScalar | YamlMapping | YamlSequence | YamlAlias;

/** One document of a YAML stream. */
export interface YamlDoc {
  /** 0-based position in the stream */
  index: number;
  /** Plain JS as js-yaml loads it; null for an empty or comment-only document */
  value: unknown;
  /** Root node; undefined for an empty or comment-only document */
  node: YamlNode | undefined;
  /** Text range of the document, from its `---` (if any) to the next document */
  start: number;
  end: number;
}

/** A change to make to the source text; see applyEdits. */
export type Edit =
  /** Replace a scalar's value, keeping its quoting style where that is safe. */
  | { kind: 'scalar'; node: YamlNode; value: string }
  /** Set metadata.annotations[key] = value on a resource mapping; value is written double-quoted. */
  | { kind: 'annotation'; resource: YamlNode; key: string; value: string }
  /**
   * Add `key` with a pre-rendered block (`key:\n- a\n` or just the value lines) at the end of a mapping,
   * re-indented to the mapping's indentation; an existing entry of that key is replaced.
   */
  | { kind: 'append'; mapping: YamlNode; key: string; block: string };

/** An image field found in a resource. */
export interface ImageField {
  /** Path inside the resource, e.g. ['spec', 'template', 'spec', 'containers', 0, 'image'] */
  path: Array<string | number>;
  /** The value there; may be a non-string, which the caller reports */
  value: unknown;
  /** What found it: `built-in Deployment`, `pod spec`, or a rule's label and query (shown by -list-images) */
  foundBy: string;
}

/** Reference to a resource, for results. */
export interface ResourceId {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/** A Go-reimage jsonpath rule: regexps on kind and apiVersion, jsonpath queries for image fields. */
export interface ImageRule {
  kind: string;
  apiVersion: string;
  imageJSONP: string[];
}
