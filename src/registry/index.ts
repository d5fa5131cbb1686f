export type { CopyOptions, CopyProgress, CopyStats, ImageRegistry, RegistryClientOptions, ResolveOptions } from './types';
export type { AuthConfig, Authenticator, Keychain } from './auth/authenticator';
export type { RegistryDiagnostic } from './errors';
export type { RetryPolicy } from './transport/retry';

export { createRegistryClient } from './client';
export { ClobberError, DigestMismatchError, RegistryError, isNotFound, isRegistryError } from './errors';
export { ANONYMOUS, multiKeychain, staticKeychain } from './auth/authenticator';
export { defaultKeychain, dockerKeychain } from './auth/keychain';
export { googleKeychain } from './auth/google';
export { DEFAULT_RETRY } from './transport/retry';
