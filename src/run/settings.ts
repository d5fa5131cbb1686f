import type { AttestSettings } from '../attest/types';
import type { ImageRule } from '../manifest/types';
import type { VulnSettings } from '../vuln/types';

/** The flags the run pipeline itself reads; the vulnerability and attestation stages read their own. */
export interface PipelineSettings {
  debug: boolean;
  dryRun: boolean;
  input: 'k8s' | 'yaml';
  rulesConfig: string;
  rules: ImageRule[];
  mappingsOnly: boolean;
  ignore: string;
  renameIgnore: string;
  renameRemotePath: string;
  renameTemplate: string;
  renameForceDigest: boolean;
  clobber: boolean;
  noCopy: boolean;
  writeJsonMappingsFile: string;
  writeJsonMappingsImg: string;
  staticJsonMappingsFile: string;
  staticJsonMappingsImg: string;
  verifyStaticJsonMappings: boolean;
  insecureRegistries: string[];
  concurrency: number;
}

/** Everything one run reads: the CLI's Options satisfy it structurally, so no stage imports from cli/. */
export type RunSettings = PipelineSettings & VulnSettings & AttestSettings;
