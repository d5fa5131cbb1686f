/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as the Go tool honours them (net/http.ProxyFromEnvironment):
 * - the rules of src/registry/transport/proxy.ts, case by case (Go's httpproxy semantics);
 * - the CLI through a real tinyproxy to real docker-registry instances: HTTPS through a CONNECT tunnel (pin and
 *   copy), plain HTTP in absolute form for an -insecure-registry, an https:// proxy (stunnel in front of tinyproxy),
 *   NO_PROXY, proxy Basic auth, and refusals.
 * The registries are addressed as 0.0.0.0:PORT: that reaches their 127.0.0.1 listeners without being a loopback
 * address, which a proxy is never used for (the test CA's server cert names 0.0.0.0 too).
 */
import { proxyFromEnv } from '../src/registry/transport/proxy';
import { runCli } from './support/cli';
import { pushTestImage } from './support/images';
import type { PushedImage } from './support/images';
import { startProxy, startTlsProxy } from './support/proxy';
import type { TestProxy } from './support/proxy';
import { startRegistry } from './support/registry';
import type { TestRegistry } from './support/registry';

jest.setTimeout(60_000);

describe('which proxy a request takes (Go httpproxy rules)', () => {
  const route = (env: Record<string, string>, url: string): string | undefined => {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    return proxyFromEnv(env).route(secure ? 'https' : 'http', u.hostname.replace(/^\[|\]$/g, ''), u.port ? Number(u.port) : secure ? 443 : 80)?.label;
  };

  test('HTTPS_PROXY for https, HTTP_PROXY for http, the upper-case name first, http:// when no scheme is given', () => {
    expect(route({}, 'https://registry.example.com/v2/')).toBeUndefined();
    expect(route({ HTTPS_PROXY: 'proxy.corp:3128' }, 'https://registry.example.com/v2/')).toBe('http://proxy.corp:3128');
    expect(route({ HTTPS_PROXY: 'proxy.corp:3128' }, 'http://registry.example.com/v2/')).toBeUndefined();
    expect(route({ HTTP_PROXY: 'http://p:8080' }, 'http://registry.example.com/v2/')).toBe('http://p:8080');
    expect(route({ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' }, 'https://r.example.com/')).toBe('http://upper:2');
    expect(route({ https_proxy: 'http://lower:1' }, 'https://r.example.com/')).toBe('http://lower:1');
    expect(route({ HTTPS_PROXY: 'https://secure.proxy' }, 'https://r.example.com/')).toBe('https://secure.proxy');
    expect(proxyFromEnv({ HTTPS_PROXY: 'https://secure.proxy' }).route('https', 'r.example.com', 443)?.port).toBe(443);
    expect(proxyFromEnv({ HTTPS_PROXY: 'proxy' }).route('https', 'r.example.com', 443)?.port).toBe(80);
  });

  test('never for localhost or a loopback IP', () => {
    const env = { HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://p:1' };
    for (const url of ['https://localhost:5000/', 'http://LOCALHOST/', 'https://127.0.0.1:5000/', 'https://127.9.8.7/', 'https://[::1]:5000/', 'https://[::ffff:127.0.0.1]/']) {
      expect([url, route(env, url)]).toEqual([url, undefined]);
    }
    expect(route(env, 'https://0.0.0.0:5000/')).toBe('http://p:1');
    expect(route(env, 'https://localhost.example.com/')).toBe('http://p:1');
  });

  test.each([
    ['*', 'https://anything.example/', false],
    ['example.com', 'https://example.com/', false],
    ['example.com', 'https://a.b.example.com/', false],
    ['example.com', 'https://badexample.com/', true],
    ['.example.com', 'https://example.com/', true],
    ['.example.com', 'https://a.example.com/', false],
    ['*.example.com', 'https://example.com/', true],
    ['*.example.com', 'https://a.example.com/', false],
    ['example.com:5000', 'https://example.com:5000/', false],
    ['example.com:5000', 'https://example.com/', true],
    [' Other.org , EXAMPLE.com ', 'https://x.example.com/', false],
    ['10.0.0.0/8', 'https://10.1.2.3:5000/', false],
    ['10.0.0.0/8', 'https://11.0.0.1/', true],
    ['192.168.1.1', 'https://192.168.1.1:5000/', false],
    ['192.168.1.1:5000', 'https://192.168.1.1:6000/', true],
    ['2001:db8::/32', 'https://[2001:db8::5]/', false],
    ['[2001:db8::5]:443', 'https://[2001:db8::5]/', false],
    ['', 'https://example.com/', true],
    [',,', 'https://example.com/', true],
  ])('NO_PROXY=%j, %s: proxied %s', (noProxy, url, proxied) => {
    expect(route({ HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy }, url) !== undefined).toBe(proxied);
    expect(route({ HTTPS_PROXY: 'http://p:1', no_proxy: noProxy }, url) !== undefined).toBe(proxied);
  });

  test('credentials become Proxy-Authorization and stay out of the label', () => {
    const r = proxyFromEnv({ HTTPS_PROXY: 'http://al%40ice:p%3Ass@proxy.corp:3128' }).route('https', 'r.example.com', 443);
    expect(r?.label).toBe('http://proxy.corp:3128');
    expect(r?.authorization).toBe(`Basic ${Buffer.from('al@ice:p:ss').toString('base64')}`);
    expect(JSON.stringify(r?.label)).not.toContain('ss');
  });

  test('a value that cannot be honoured fails the requests it would carry, naming the variable; bypassed ones go direct', () => {
    const socks = proxyFromEnv({ HTTPS_PROXY: 'socks5://user:secret@127.0.0.1:1080' });
    expect(() => socks.route('https', 'r.example.com', 443)).toThrow('HTTPS_PROXY: socks5 proxies are not supported (socks5://127.0.0.1:1080); use an http:// or https:// proxy');
    expect(() => socks.route('https', 'r.example.com', 443)).not.toThrow(/secret/);
    expect(socks.route('https', '127.0.0.1', 5000)).toBeUndefined();
    expect(() => proxyFromEnv({ http_proxy: 'http://[' }).route('http', 'r.example.com', 80)).toThrow(/^http_proxy: not a proxy URL/);
    // a CGI request's "Proxy:" header arrives as HTTP_PROXY: never used (golang.org/s/cgihttpproxy)
    const cgi = proxyFromEnv({ HTTP_PROXY: 'http://p:1', HTTPS_PROXY: 'http://p:1', REQUEST_METHOD: 'GET' });
    expect(() => cgi.route('http', 'r.example.com', 80)).toThrow(/CGI/);
    expect(cgi.route('https', 'r.example.com', 443)?.label).toBe('http://p:1');
  });
});

describe('the CLI through tinyproxy', () => {
  let tlsReg: TestRegistry;
  let plainReg: TestRegistry;
  let plainDst: TestRegistry;
  let proxy: TestProxy;
  let authProxy: TestProxy;
  let tlsProxy: TestProxy; // stunnel in front of `proxy`: an https:// proxy URL
  let tlsImg: PushedImage;
  let plainImg: PushedImage;
  const AUTH = { user: 'proxyuser', password: 'proxy-secret-1234' };
  const port = (r: TestRegistry): string => r.host.slice(r.host.lastIndexOf(':') + 1);
  const pod = (image: string): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;
  const TEMPLATE = '{{ .RemotePath }}/{{ .Repository }}:v1';

  beforeAll(async () => {
    [tlsReg, plainReg, plainDst, proxy, authProxy] = await Promise.all([startRegistry({ tls: true }), startRegistry(), startRegistry(), startProxy(), startProxy({ auth: AUTH })]);
    [tlsImg, plainImg] = await Promise.all([
      pushTestImage(tlsReg, 'team/app', '1.0', { platforms: 2 }),
      pushTestImage(plainReg, 'team/app', '1.0', { platforms: 1 }),
    ]);
    tlsProxy = await startTlsProxy(proxy);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([tlsReg?.stop(), plainReg?.stop(), plainDst?.stop(), tlsProxy?.stop(), proxy?.stop(), authProxy?.stop()]);
  });

  test('HTTPS through a CONNECT tunnel: pins and copies, every connection through the proxy', async () => {
    const host = `0.0.0.0:${port(tlsReg)}`;
    const before = proxy.requests().length;
    const r = await runCli(['-rename-remote-path', `${host}/mirror`, '-rename-template', TEMPLATE, '-rename-force-digest'], pod(`${host}/team/app:1.0`), {
      env: tlsReg.childEnv({ HTTPS_PROXY: proxy.url }),
    });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: ${host}/mirror/team/app@${tlsImg.digest}`);
    const seen = proxy.requests().slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((l) => l === `CONNECT ${host} HTTP/1.1`)).toBe(true);
  });

  test('plain HTTP (an -insecure-registry) in absolute form through HTTP_PROXY: a copy to another registry, uploads included', async () => {
    const host = `0.0.0.0:${port(plainReg)}`;
    const dst = `0.0.0.0:${port(plainDst)}`;
    const before = proxy.requests().length;
    const r = await runCli(['-insecure-registry', host, '-insecure-registry', dst, '-rename-remote-path', `${dst}/copied`, '-rename-template', TEMPLATE, '-rename-force-digest'], pod(`${host}/team/app:1.0`), {
      env: { HTTP_PROXY: proxy.url },
    });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: ${dst}/copied/team/app@${plainImg.digest}`);
    const seen = proxy.requests().slice(before);
    expect(seen).toContain(`GET http://${host}/v2/ HTTP/1.1`);
    expect(seen).toContain(`GET http://${dst}/v2/ HTTP/1.1`);
    expect(seen.filter((l) => l.startsWith(`PUT http://${dst}/v2/copied/team/app/blobs/uploads/`))).toHaveLength(2); // config + layer
    expect(seen.filter((l) => l.startsWith(`GET http://${host}/v2/team/app/blobs/sha256:`))).toHaveLength(2);
    expect(seen.every((l) => l.includes(`http://${host}/v2/`) || l.includes(`http://${dst}/v2/`))).toBe(true);
  });

  test('an https:// proxy (TLS to the proxy): TLS to the registry inside it, and plain HTTP in absolute form', async () => {
    const secure = `0.0.0.0:${port(tlsReg)}`;
    const plain = `0.0.0.0:${port(plainReg)}`;
    const before = proxy.requests().length;
    const r = await runCli(['-keep-tag', '-no-copy', '-insecure-registry', plain], `${pod(`${secure}/team/app:1.0`)}---\n${pod(`${plain}/team/app:1.0`)}`, {
      env: tlsReg.childEnv({ HTTPS_PROXY: tlsProxy.url, HTTP_PROXY: tlsProxy.url }),
    });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`image: ${secure}/team/app:1.0@${tlsImg.digest}`);
    expect(r.stdout).toContain(`image: ${plain}/team/app:1.0@${plainImg.digest}`);
    const seen = proxy.requests().slice(before);
    expect(seen).toContain(`CONNECT ${secure} HTTP/1.1`);
    expect(seen).toContain(`GET http://${plain}/v2/ HTTP/1.1`);
  });

  test('NO_PROXY sends the same run straight to the registry', async () => {
    const host = `0.0.0.0:${port(tlsReg)}`;
    const before = proxy.requests().length;
    const r = await runCli(['-keep-tag', '-no-copy'], pod(`${host}/team/app:1.0`), { env: tlsReg.childEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,0.0.0.0' }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`@${tlsImg.digest}`);
    expect(proxy.requests().slice(before)).toEqual([]);
  });

  test('proxy Basic auth from the URL; a wrong password fails with the proxy named and no secret shown', async () => {
    const host = `0.0.0.0:${port(tlsReg)}`;
    const url = new URL(authProxy.url);
    url.username = AUTH.user;
    url.password = AUTH.password;
    const ok = await runCli(['-keep-tag', '-no-copy'], pod(`${host}/team/app:1.0`), { env: tlsReg.childEnv({ HTTPS_PROXY: url.href }) });
    expect(ok.stderr).not.toMatch(/error/i);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`@${tlsImg.digest}`);
    url.password = 'wrong-password-5678';
    const bad = await runCli(['-keep-tag', '-no-copy', '-registry-attempts', '1'], pod(`${host}/team/app:1.0`), { env: tlsReg.childEnv({ HTTPS_PROXY: url.href }) });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    // tinyproxy answers bad proxy credentials with 401 (not 407)
    expect(bad.stderr).toContain(`GET https://${host}/v2/: proxy ${authProxy.url} refused a tunnel to ${host}: 401 Unauthorized`);
    expect(bad.stderr).toContain('check the user and password in the proxy URL');
    expect(bad.stderr).not.toContain('wrong-password-5678');
    expect(bad.stderr).not.toContain(AUTH.user);
  });

  test('a SOCKS proxy is refused, naming the variable, instead of being gone around', async () => {
    const host = `0.0.0.0:${port(tlsReg)}`;
    const r = await runCli(['-keep-tag', '-no-copy'], pod(`${host}/team/app:1.0`), { env: tlsReg.childEnv({ HTTPS_PROXY: 'socks5://u:sockspass@127.0.0.1:1' }) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('HTTPS_PROXY: socks5 proxies are not supported (socks5://127.0.0.1:1)');
    expect(r.stderr).not.toContain('sockspass');
  });
});
