/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['<rootDir>/test/support/env.ts'],
  // Creates the test CA before workers fork, so they trust TLS test registries via NODE_EXTRA_CA_CERTS.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 60000,
  // Registry and gRPC servers are per-file; two cores on CI.
  maxWorkers: 2,
};
