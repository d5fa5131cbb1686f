/**
 * Which proxy a registry request goes through: Go's net/http.ProxyFromEnvironment (golang.org/x/net/http/httpproxy),
 * which the Go tool uses. HTTPS_PROXY (or https_proxy) for https:// URLs, HTTP_PROXY (or http_proxy) for http://,
 * the upper-case name first; never for "localhost" or a loopback IP; NO_PROXY (or no_proxy) lists exceptions:
 * "*", IPs and CIDRs, domains ("foo.com" is foo.com and its subdomains, ".foo.com" and "*.foo.com" subdomains only),
 * each optionally with ":port". A value without a scheme is http://. Read once per run, as Go does.
 * Where Go would quietly connect directly (a value it cannot parse) or use SOCKS5, this port refuses with the
 * variable's name: a proxy setting that cannot be honoured fails the run instead of going around it.
 */
import { BlockList, isIP } from 'node:net';
import { ReimageError } from '../../util/errors';

/** How to reach a proxy, and what to tell it. Never printed whole: `label` has no credentials. */
export interface ProxyRoute {
  /** The proxy itself speaks TLS (an https:// proxy URL). */
  secure: boolean;
  host: string;
  port: number;
  /** `Basic …` from the URL's user info, for Proxy-Authorization. */
  authorization?: string;
  /** scheme://host:port, for messages. */
  label: string;
}

type Matcher = (host: string, port: string, ip: boolean) => boolean;

export interface ProxyConfig {
  /** The proxy for `scheme`://`host`:`port`, if one applies. */
  route(scheme: 'http' | 'https', host: string, port: number): ProxyRoute | undefined;
}

type Env = Record<string, string | undefined>;

const firstSet = (env: Env, ...names: string[]): { name: string; value: string } | undefined => {
  for (const name of names) {
    const value = env[name];
    if (value) return { name, value };
  }
  return undefined;
};

function parseProxy(name: string, value: string): ProxyRoute {
  // "proxy:3128" or "proxy" (no scheme) is http://, as Go reads it; a URL with a scheme is taken as it is.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new ReimageError(`${name}: not a proxy URL (expected http://host:port or https://host:port)`);
  }
  const label = `${u.protocol}//${u.host}`;
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ReimageError(`${name}: ${u.protocol.slice(0, -1)} proxies are not supported (${label}); use an http:// or https:// proxy`);
  if (u.hostname === '') throw new ReimageError(`${name}: the proxy URL names no host`);
  const secure = u.protocol === 'https:';
  const route: ProxyRoute = { secure, host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : secure ? 443 : 80, label };
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    route.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  return route;
}

/** "host:port" / "[v6]:port" → [host, port]; undefined when there is no port (Go's net.SplitHostPort). */
function splitHostPort(p: string): [string, string] | undefined {
  const m = /^\[([^\]]*)\]:(\d*)$/.exec(p) ?? /^([^:[\]]*):(\d*)$/.exec(p);
  return m ? [m[1] as string, m[2] as string] : undefined;
}

function noProxyMatchers(list: string): Matcher[] {
  const out: Matcher[] = [];
  for (const raw of list.split(',')) {
    const p = raw.trim().toLowerCase();
    if (p === '') continue;
    if (p === '*') return [() => true];
    const cidr = /^(.+)\/(\d{1,3})$/.exec(p);
    if (cidr && isIP(cidr[1] as string)) {
      const bl = new BlockList();
      const type = isIP(cidr[1] as string) === 6 ? 'ipv6' : 'ipv4';
      try {
        bl.addSubnet(cidr[1] as string, Number(cidr[2]), type);
      } catch {
        continue; // a prefix out of range: Go ignores the entry
      }
      out.push((host, _port, ip) => ip && bl.check(host, isIP(host) === 6 ? 'ipv6' : 'ipv4'));
      continue;
    }
    const hp = splitHostPort(p);
    const phost = hp ? hp[0] : p;
    const pport = hp ? hp[1] : '';
    if (phost === '') continue;
    if (isIP(phost)) {
      const bl = new BlockList();
      bl.addAddress(phost, isIP(phost) === 6 ? 'ipv6' : 'ipv4');
      out.push((host, port, ip) => ip && bl.check(host, isIP(host) === 6 ? 'ipv6' : 'ipv4') && (pport === '' || pport === port));
      continue;
    }
    const bare = phost.startsWith('*.') ? phost.slice(1) : phost;
    const matchHost = !bare.startsWith('.');
    const suffix = matchHost ? `.${bare}` : bare;
    out.push((host, port) => (host.endsWith(suffix) || (matchHost && host === suffix.slice(1))) && (pport === '' || pport === port));
  }
  return out;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** The proxy settings in `env` (process.env by default). route() throws for a value that cannot be honoured. */
export function proxyFromEnv(env: Env = process.env): ProxyConfig {
  const https = firstSet(env, 'HTTPS_PROXY', 'https_proxy');
  const http = firstSet(env, 'HTTP_PROXY', 'http_proxy');
  const noProxy = firstSet(env, 'NO_PROXY', 'no_proxy');
  // A value that cannot be honoured fails the first request it would carry, not runs that never need it.
  const parsed = (v: { name: string; value: string } | undefined): ProxyRoute | Error | undefined => {
    if (v === undefined) return undefined;
    try {
      return parseProxy(v.name, v.value);
    } catch (e) {
      return e as Error;
    }
  };
  const routes = { https: parsed(https), http: parsed(http) };
  const matchers = noProxy ? noProxyMatchers(noProxy.value) : [];
  const cgi = Boolean(env['REQUEST_METHOD']);
  return {
    route(scheme, rawHost, port) {
      const route = routes[scheme];
      if (route === undefined) return undefined;
      const host = rawHost.toLowerCase();
      const family = isIP(host);
      if (host === 'localhost' || (family !== 0 && LOOPBACK.check(host, family === 6 ? 'ipv6' : 'ipv4'))) return undefined;
      if (matchers.some((m) => m(host, String(port), family !== 0))) return undefined;
      // A CGI request's Proxy header arrives as HTTP_PROXY (golang.org/s/cgihttpproxy): never trust it.
      if (scheme === 'http' && cgi) throw new ReimageError('refusing to use HTTP_PROXY in a CGI environment (REQUEST_METHOD is set)');
      if (route instanceof Error) throw route;
      return route;
    },
  };
}
