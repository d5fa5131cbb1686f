import type { AttestSettings } from '../attest/types';
import type { ImageRule } from '../manifest/types';
import type { VulnSettings } from '../vuln/types';
import type { SupplyFlags } from './supply';

/** The flags the run pipeline itself reads (the CLI's Options extend this); the comment names the flag. */
export interface PipelineSettings {
  /** -debug */
  debug: boolean;
  /** -dryrun: log copies, mappings writes and attestations instead of doing them */
  dryRun: boolean;
  /** -input: "k8s" (Kubernetes image locations and rules) or "yaml" (only the Raw rule, on any document); default "k8s" */
  input: 'k8s' | 'yaml';
  /** -annotate: add the reimage.dev/mappings annotation to each rewritten resource (k8s input only); default true */
  annotate: boolean;
  /** -rules-config: YAML file of {kind, apiVersion, imageJSONP} rules */
  rulesConfig: string;
  /** Rules given inline in the FunctionConfig (spec.rules) */
  rules: ImageRule[];
  /** -default-rules: apply the built-in rules (rules/default-rules.yaml) after the user's; default true */
  defaultRules: boolean;
  /** -find-podspecs: find pod specs in any kind, not only the core workloads; default true */
  findPodSpecs: boolean;
  /** -list-images: print the inventory of image fields instead of rewriting anything */
  listImages: boolean;
  /** -o: format of the -list-images inventory, "text" (default) or "json" */
  listFormat: 'text' | 'json';
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
  /** -mappings-format: which mappings JSON is written, "seed" (ignoredCVEs/foundCVEs) or "upstream" (vulncheckResult) */
  mappingsFormat: 'seed' | 'upstream';
  /** -static-json-mappings-file */
  staticJsonMappingsFile: string;
  /** -static-json-mappings-img */
  staticJsonMappingsImg: string;
  /** -verify-static-json-mappings; default true */
  verifyStaticJsonMappings: boolean;
  /** -insecure-registry: registries (host[:port]) reached over plain HTTP; repeatable or comma separated */
  insecureRegistries: string[];
  /** -concurrency: registry/scan/attest work in flight; default 8 */
  concurrency: number;
  /** -registry-timeout: per try, for the response headers and for each gap between body chunks; default 60s */
  registryTimeoutMs: number;
  /** -registry-attempts: tries per registry operation, the first included; default 5 */
  registryAttempts: number;
}

/** Everything one run reads: the CLI's Options satisfy it, and no stage imports from cli/. */
export type RunSettings = PipelineSettings & VulnSettings & AttestSettings & SupplyFlags;
