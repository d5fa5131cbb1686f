/** Small readers of Kubernetes resource identity, for results and for kpt's local-config convention. */
import type { ResourceId } from './types';
import { isRecord } from '../util/record';

type Rec = Record<string, unknown>;


export const LOCAL_CONFIG_ANNOTATION = 'config.kubernetes.io/local-config';

function annotationsOf(resource: unknown): Rec {
  const meta = isRecord(resource) ? resource['metadata'] : undefined;
  const ann = isRecord(meta) ? meta['annotations'] : undefined;
  return isRecord(ann) ? ann : {};
}

/** kpt's marker for resources that configure the pipeline (Kptfile, fn-config) and are not deployed: skip them. */
export function isLocalConfig(resource: unknown): boolean {
  const v = annotationsOf(resource)[LOCAL_CONFIG_ANNOTATION];
  // An unquoted `true` loads as a boolean; kpt means the same thing.
  return v === 'true' || v === true;
}

/** apiVersion, kind, name (or else generateName) and namespace, each only when it is a string. */
export function resourceId(resource: unknown): ResourceId {
  const id: ResourceId = {};
  if (!isRecord(resource)) return id;
  if (typeof resource['apiVersion'] === 'string') id.apiVersion = resource['apiVersion'];
  if (typeof resource['kind'] === 'string') id.kind = resource['kind'];
  const meta = resource['metadata'];
  if (isRecord(meta)) {
    if (typeof meta['name'] === 'string') id.name = meta['name'];
    // A resource named by the API server (`generateName: job-`) is known by its prefix until then.
    else if (typeof meta['generateName'] === 'string') id.name = meta['generateName'];
    if (typeof meta['namespace'] === 'string') id.namespace = meta['namespace'];
  }
  return id;
}
