import type { Reference } from '../reference/types';

/** Every name an image has had on its way through the chain, plus the digest of the original once known. */
export class History {
  private readonly refs: Reference[];
  /** Digest of the original image; every later name must point at the same content. */
  digest: string | undefined;

  constructor(original: Reference) {
    this.refs = [original];
  }

  get original(): Reference {
    return this.refs[0] as Reference;
  }

  get latest(): Reference {
    return this.refs[this.refs.length - 1] as Reference;
  }

  add(ref: Reference): void {
    this.refs.push(ref);
  }
}
