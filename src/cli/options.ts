/**
 * Everything one run needs, resolved from flags and the FunctionConfig.
 * Flag names follow the Go reimage; the comment names the flag.
 */
export interface Options {
  /** -V / --version */
  version: boolean;
  /** -h / --help */
  help: boolean;
  /** -debug */
  debug: boolean;
  /** -dryrun: log copies, mappings writes and attestations instead of doing them */
  dryRun: boolean;
  /** -input: "k8s" (only Kubernetes image locations) or "yaml" (also apply rules to any document); default "k8s" */
  input: 'k8s' | 'yaml';
  /** -rules-config: YAML file of {kind, apiVersion, imageJSONP} rules */
  rulesConfig: string;
  /** Rules given inline in the FunctionConfig (spec.rules) */
  rules: ImageRule[];
  /** -mappings-only */
  mappingsOnly: boolean;
  /** -ignore: regexp; matching images are left completely alone */
  ignore: string;
  /** -rename-ignore: regexp; default "^$" */
  renameIgnore: string;
  /** -rename-remote-path */
  renameRemotePath: string;
  /** -rename-template; default DEFAULT_RENAME_TEMPLATE */
  renameTemplate: string;
  /** -rename-force-digest */
  renameForceDigest: boolean;
  /** -clobber */
  clobber: boolean;
  /** -no-copy */
  noCopy: boolean;
  /** -write-json-mappings-file */
  writeJsonMappingsFile: string;
  /** -write-json-mappings-img */
  writeJsonMappingsImg: string;
  /** -static-json-mappings-file */
  staticJsonMappingsFile: string;
  /** -static-json-mappings-img */
  staticJsonMappingsImg: string;
  /** -verify-static-json-mappings; default true */
  verifyStaticJsonMappings: boolean;
  /** -vulncheck-method: "exec" (default; "trivy" is the seed's name for it) | "grafeas" */
  vulncheckMethod: 'exec' | 'trivy' | 'grafeas';
  /** -vulncheck-max-cvss; 0 disables */
  vulncheckMaxCvss: number;
  /** -vulncheck-ignore-cve-list: one item per occurrence, `CVE,…` or `REGEXP=CVE,…` (parsed by vuln/ignore) */
  vulncheckIgnoreCveList: string[];
  /** -vulncheck-ignore-images: regexp */
  vulncheckIgnoreImages: string;
  /** -vulncheck-timeout in milliseconds (Go duration syntax on the flag); default 10m */
  vulncheckTimeoutMs: number;
  /** -vulncheck-max-retries; default 20 */
  vulncheckMaxRetries: number;
  /** -vulncheck-report: .md or .html file */
  vulncheckReport: string;
  /** -trivy-command; '' means "trivy image -f json" (vuln/scanner resolves the three scanner flags) */
  trivyCommand: string;
  /** -vulncheck-command; '' means "grype --by-cve -o json" */
  vulncheckCommand: string;
  /** -vulncheck-format; '' means grype-json (trivy-json with the seed's trivy settings) */
  vulncheckFormat: '' | 'trivy-json' | 'grype-json';
  /** -vulncheck-max-risk; 0 disables the risk limit */
  vulncheckMaxRisk: number;
  /** -vulncheck-workers: concurrent scans; 0 means one per CPU */
  vulncheckWorkers: number;
  /** -vulncheck-report-template: Go text/template file with sprig functions */
  vulncheckReportTemplate: string;
  /** -vulncheck-report-output: file the report template is rendered to */
  vulncheckReportOutput: string;
  /** -mappings-format: which mappings JSON is written, "seed" (ignoredCVEs/foundCVEs) or "upstream" (vulncheckResult) */
  mappingsFormat: 'seed' | 'upstream';
  /** -grafeas-parent */
  grafeasParent: string;
  /** -grafeas-endpoint HOST:PORT */
  grafeasEndpoint: string;
  /** -binauthz-attestor projects/P/attestors/A */
  binauthzAttestor: string;
  /** -binauthz-endpoint URL; default https://binaryauthorization.googleapis.com */
  binauthzEndpoint: string;
  /** -gcp-kms-key */
  gcpKmsKey: string;
  /** -kms-endpoint HOST:PORT */
  kmsEndpoint: string;
  /** -insecure-registry: registries (host[:port]) reached over plain HTTP; repeatable or comma separated */
  insecureRegistries: string[];
  /** -concurrency: registry/scan/attest work in flight; default 8 */
  concurrency: number;
}

/** A Go-reimage jsonpath rule: regexps on kind and apiVersion, jsonpath queries for image fields. */
export interface ImageRule {
  kind: string;
  apiVersion: string;
  imageJSONP: string[];
}

import { DEFAULT_RENAME_TEMPLATE } from '../reference/template';
export { DEFAULT_RENAME_TEMPLATE };

export const DEFAULT_OPTIONS: Readonly<Options> = Object.freeze({
  version: false,
  help: false,
  debug: false,
  dryRun: false,
  input: 'k8s',
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
  concurrency: 8,
} satisfies Options);
