/**
 * A parsed image reference, normalised like go-containerregistry's weak validation.
 * Immutable. `original` keeps the input exactly as written.
 */
export interface Reference {
  /** The string as given, e.g. "nginx" */
  readonly original: string;
  /** e.g. "index.docker.io", "127.0.0.1:5000", "gcr.io" */
  readonly registry: string;
  /** e.g. "library/nginx" */
  readonly repository: string;
  /** Explicit tag; "latest" when the input had neither tag nor digest; undefined for a bare digest reference */
  readonly tag: string | undefined;
  /** e.g. "sha256:<64 hex>", when the input carried one */
  readonly digest: string | undefined;
  /** registry + "/" + repository */
  readonly context: string;
  /** What goes in /v2/<repository>/manifests/<identifier>: the digest if present, else the tag */
  readonly identifier: string;
  /** Fully normalised: context, then ":tag" if any, then "@digest" if any */
  readonly name: string;
}
