/**
 * Everything one run needs, resolved from flags and the FunctionConfig.
 * Flag names follow the Go reimage; the comment names the flag.
 */
import type { AttestSettings } from '../attest/types';
import type { PipelineSettings } from '../run/settings';
import type { SupplyFlags } from '../run/supply';
import { SUPPLY_DEFAULTS } from '../run/supply';
import type { VulnSettings } from '../vuln/types';

/**
 * Everything one run needs, resolved from flags and the FunctionConfig. Each stage declares the flags it
 * reads (PipelineSettings, VulnSettings, AttestSettings); this is their union plus the CLI's own.
 * Flag names follow the Go reimage; the comment names the flag.
 */
export interface Options extends PipelineSettings, VulnSettings, AttestSettings, SupplyFlags {
  /** -V / --version */
  version: boolean;
  /** -h / --help */
  help: boolean;
  /** -vulncheck-method: "trivy" | "grafeas"; default "trivy" */
  vulncheckMethod: 'trivy' | 'grafeas';
}

import type { ImageRule } from '../manifest/types';
export type { ImageRule };

import { DEFAULT_RENAME_TEMPLATE } from '../reference/template';
export { DEFAULT_RENAME_TEMPLATE };

export const DEFAULT_OPTIONS: Readonly<Options> = Object.freeze({
  version: false,
  help: false,
  debug: false,
  dryRun: false,
  input: 'k8s',
  annotate: true,
  rulesConfig: '',
  rules: [],
  mappingsOnly: false,
  ignore: '',
  renameIgnore: '^$',
  renameRemotePath: '',
  renameTemplate: DEFAULT_RENAME_TEMPLATE,
  renameForceDigest: false,
  clobber: false,
  noCopy: false,
  writeJsonMappingsFile: '',
  writeJsonMappingsImg: '',
  staticJsonMappingsFile: '',
  staticJsonMappingsImg: '',
  verifyStaticJsonMappings: true,
  vulncheckMethod: 'trivy',
  vulncheckMaxCvss: 0,
  vulncheckIgnoreCveList: [],
  vulncheckIgnoreImages: '',
  vulncheckTimeoutMs: 10 * 60 * 1000,
  vulncheckMaxRetries: 20,
  vulncheckReport: '',
  trivyCommand: 'trivy image -f json',
  grafeasParent: '',
  grafeasEndpoint: '',
  binauthzAttestor: '',
  binauthzEndpoint: 'https://binaryauthorization.googleapis.com',
  gcpKmsKey: '',
  kmsEndpoint: '',
  insecureRegistries: [],
  concurrency: 8,
  registryTimeoutMs: 60_000,
  registryAttempts: 5,
  ...SUPPLY_DEFAULTS,
  registryMirrors: [],
} satisfies Options);
