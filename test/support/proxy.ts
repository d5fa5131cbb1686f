/**
 * A real forward proxy for the HTTPS_PROXY / HTTP_PROXY tests: Debian's tinyproxy on 127.0.0.1 (CONNECT tunnels
 * and absolute-form requests), optionally with Basic auth.
 *   startProxy({ auth?: { user, password } }): Promise<TestProxy>
 *     url      'http://127.0.0.1:PORT' (no credentials)
 *     requests()   the request lines tinyproxy logged so far ("CONNECT 0.0.0.0:5000 HTTP/1.1", "GET http://...")
 *     stop()
 *   startTlsProxy(inner: TestProxy): Promise<TestProxy>
 *     stunnel (Debian's stunnel4) terminating TLS in front of `inner`: url 'https://127.0.0.1:PORT', with the test
 *     CA's server cert (trusted where the TLS registries are: NODE_EXTRA_CA_CERTS); requests() are inner's
 * Neither takes port 0, so a free port is picked first and the start retried if another process took it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ensureTlsMaterial } from './registry';
import { makeTempDir, onCleanup } from './tmp';

export interface TestProxy {
  url: string;
  requests(): string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = require('node:net').connect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Starts `cmd` with a config for a free port (written by `conf`) until it listens there; stop() ends it. */
async function startDaemon(name: string, cmd: string, conf: (port: number) => string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(cmd, conf(port), { stdio: ['ignore', 'ignore', 'pipe'] });
    let exited = false;
    child.once('exit', () => (exited = true));
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline && !(await reachable(port))) await new Promise((r) => setTimeout(r, 20));
    if (exited || !(await reachable(port))) {
      child.kill('SIGKILL');
      continue;
    }
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
    };
    onCleanup(stop);
    return { port, stop };
  }
  throw new Error(`${name} did not start (5 tries)`);
}

export async function startProxy(opts: { auth?: { user: string; password: string } } = {}): Promise<TestProxy> {
  const dir = await makeTempDir('tinyproxy-');
  const log = join(dir, 'tinyproxy.log');
  const conf = join(dir, 'tinyproxy.conf');
  const { port, stop } = await startDaemon('tinyproxy', 'tinyproxy', (p) => {
    writeFileSync(conf, [
      `Port ${p}`, 'Listen 127.0.0.1', 'Timeout 60', 'MaxClients 200', `LogFile "${log}"`, 'LogLevel Info',
      'DisableViaHeader Yes', 'Allow 127.0.0.1', ...(opts.auth ? [`BasicAuth ${opts.auth.user} ${opts.auth.password}`] : []), '',
    ].join('\n'));
    return ['-d', '-c', conf];
  });
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => {
      let text = '';
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        return [];
      }
      return [...text.matchAll(/Request \(file descriptor \d+\): (.*)$/gm)].map((m) => (m[1] as string).trim());
    },
    stop,
  };
}

export async function startTlsProxy(inner: TestProxy): Promise<TestProxy> {
  const tls = await ensureTlsMaterial();
  const dir = await makeTempDir('stunnel-');
  const conf = join(dir, 'stunnel.conf');
  const { port, stop } = await startDaemon('stunnel', 'stunnel', (p) => {
    writeFileSync(conf, [
      'foreground = yes', 'pid =', 'debug = warning', '[proxy]', `accept = 127.0.0.1:${p}`,
      `connect = ${new URL(inner.url).host}`, `cert = ${tls.serverCert}`, `key = ${tls.serverKey}`, '',
    ].join('\n'));
    return [conf];
  });
  return { url: `https://127.0.0.1:${port}`, requests: () => inner.requests(), stop };
}
