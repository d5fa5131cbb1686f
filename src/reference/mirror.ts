/** -registry-mirror REGISTRY=MIRROR[/PREFIX]: parsing only (the client applies it to reads). */
import { parseReference } from './reference';

export interface Mirror {
  /** Canonical registry, normalised as in references (docker.io → index.docker.io) */
  registry: string;
  /** host[:port] of the mirror */
  mirror: string;
  /** Repository prefix on the mirror ("" for none): registry/repo is read as mirror/prefix/repo */
  prefix: string;
}

const looksLikeHost = (s: string): boolean => s === 'localhost' || s.includes('.') || s.includes(':');

/** Throws Error naming the expected form. */
export function parseMirror(spec: string): Mirror {
  const eq = spec.indexOf('=');
  const left = eq < 0 ? '' : spec.slice(0, eq).trim();
  const right = eq < 0 ? '' : spec.slice(eq + 1).trim().replace(/\/+$/, '');
  const bad = (why: string): Error => new Error(`invalid registry mirror ${JSON.stringify(spec)}: ${why}; want REGISTRY=MIRROR[/PATH], e.g. docker.io=mirror.example.com/dockerhub`);
  if (!left || !right) throw bad('missing "="');
  if (left.includes('/') || !looksLikeHost(left)) throw bad(`${JSON.stringify(left)} is not a registry host`);
  const host = right.split('/')[0] ?? '';
  if (!looksLikeHost(host)) throw bad(`${JSON.stringify(host)} is not a registry host`);
  let registry: string;
  let mirror: string;
  let prefix: string;
  try {
    registry = parseReference(`${left}/x`).registry;
    const probe = parseReference(`${right}/x`);
    mirror = probe.registry;
    prefix = probe.repository.slice(0, -'/x'.length);
  } catch (e) {
    throw bad(e instanceof Error ? e.message : String(e));
  }
  if (registry === mirror && prefix === '') throw bad('a registry cannot mirror itself');
  return { registry, mirror, prefix };
}
