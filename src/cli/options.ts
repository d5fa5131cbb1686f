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
  /** -vulncheck-method: "exec" (default; "trivy" is the seed's name for it) | "grafeas" */
  vulncheckMethod: 'exec' | 'trivy' | 'grafeas';
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
  defaultRules: true,
  findPodSpecs: true,
  listImages: false,
  listFormat: 'text',
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
  vulncheckMethod: 'exec',
  vulncheckMaxCvss: 0,
  vulncheckIgnoreCveList: [],
  vulncheckIgnoreImages: '',
  vulncheckTimeoutMs: 10 * 60 * 1000,
  vulncheckMaxRetries: 20,
  vulncheckReport: '',
  trivyCommand: '',
  vulncheckCommand: '',
  vulncheckFormat: '',
  vulncheckMaxRisk: 0,
  vulncheckWorkers: 0,
  vulncheckReportTemplate: '',
  vulncheckReportOutput: '',
  mappingsFormat: 'seed',
  grafeasParent: '',
  grafeasEndpoint: '',
  binauthzAttestor: '',
  binauthzEndpoint: 'https://binaryauthorization.googleapis.com',
  gcpKmsKey: '',
  kmsEndpoint: '',
  insecureRegistries: [],
  concurrency: 16,
  registryTimeoutMs: 60_000,
  registryAttempts: 5,
  ...SUPPLY_DEFAULTS,
  registryMirrors: [],
} satisfies Options);
