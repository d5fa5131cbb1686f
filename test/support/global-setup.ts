/**
 * jest globalSetup: creates the test CA and server cert once, before jest spawns its workers.
 *
 * Enable with this line in jest.config.js:
 *     globalSetup: '<rootDir>/test/support/global-setup.ts',
 *
 * It sets, in the jest parent process (workers are forked after globalSetup and inherit its env):
 *   REIMAGE_TEST_TLS_DIR = dir holding ca.crt, ca.key, server.crt, server.key, certs.d/ca.crt
 *   NODE_EXTRA_CA_CERTS  = that dir's ca.crt
 * so every jest worker trusts TLS registries started by test/support/registry.ts natively (node:https and
 * fetch), with no patching. When jest runs the tests in-band (single test file, or -i), the tests run in
 * this same process, which read NODE_EXTRA_CA_CERTS at start-up; startRegistry({tls: true}) notices that the
 * handshake does not verify and falls back to trustCAInProcess(). Either way tests just work.
 * The dir is removed when the jest process exits.
 */
import { createTlsMaterial } from './registry';
import { makeTempDir } from './tmp';

export default async function globalSetup(): Promise<void> {
  if (process.env.REIMAGE_TEST_TLS_DIR) return;
  const dir = await makeTempDir('reimage-test-ca-');
  const m = await createTlsMaterial(dir);
  process.env.REIMAGE_TEST_TLS_DIR = m.dir;
  process.env.NODE_EXTRA_CA_CERTS = m.caFile;
}
