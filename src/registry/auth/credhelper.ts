import { ReimageError } from '../../util/errors';
import type { AuthConfig } from './authenticator';

const NOT_FOUND = /credentials not found/i;

/**
 * Runs `docker-credential-<helper> get` (no shell), with the server URL on stdin; the helper prints
 * `{"ServerURL","Username","Secret"}`. Returns undefined when the helper has nothing for it.
 */
export function runCredentialHelper(helper: string, serverUrl: string, timeoutMs = 30_000): Promise<AuthConfig | undefined> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    // node:child_process loads only when a helper is configured
    const child = (require('node:child_process') as typeof import('node:child_process')).execFile(program, ['get'], { timeout: timeoutMs, maxBuffer: 1 << 20, windowsHide: true, env: process.env }, (err, stdout, stderr) => {
      if (err) {
        const out = `${stdout}\n${stderr}`;
        if (NOT_FOUND.test(out)) return resolve(undefined);
        // Report the helper and its exit, not its output: it may echo secrets.
        const why = (err as { code?: unknown }).code === 'ENOENT' ? 'not found on PATH' : `failed (${err.message.split('\n')[0] ?? 'error'})`;
        return reject(new ReimageError(`credential helper ${program} ${why}`));
      }
      try {
        const parsed = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
        const username = typeof parsed.Username === 'string' ? parsed.Username : '';
        const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
        if (!secret) return resolve(undefined);
        // docker's convention: username "<token>" means the secret is an identity (refresh) token.
        resolve(username === '<token>' ? { identityToken: secret } : { username, password: secret });
      } catch {
        reject(new ReimageError(`credential helper ${program} printed malformed output`));
      }
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(serverUrl);
  });
}
