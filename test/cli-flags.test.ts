import { parseFlags } from '../src/cli/flags';
import { FLAG_DEFS } from '../src/cli/flagdefs';
import { helpText, versionText } from '../src/cli/help';
import { DEFAULT_OPTIONS } from '../src/cli/options';
import { UsageError } from '../src/util/errors';

const parse = (...argv: string[]) => parseFlags(argv).options;
const err = (...argv: string[]): string => {
  try {
    parseFlags(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('Go flag syntax', () => {
  test.each([
    [['-rename-template', 'x'], 'x'],
    [['--rename-template', 'x'], 'x'],
    [['-rename-template=x'], 'x'],
    [['--rename-template=x'], 'x'],
    [['-rename-template=a=b'], 'a=b'],
    [['-rename-template='], ''],
    [['-rename-template', '-not-a-flag'], '-not-a-flag'],
    [['-rename-template', 'a', '-rename-template', 'b'], 'b'],
  ])('string %j', (argv, want) => {
    expect(parse(...argv).renameTemplate).toBe(want);
  });

  test.each([
    ['-dryrun', true],
    ['--dryrun', true],
    ...['true', 'TRUE', 'True', 't', 'T', '1'].map((v): [string, boolean] => [`-dryrun=${v}`, true]),
    ...['false', 'FALSE', 'False', 'f', 'F', '0'].map((v): [string, boolean] => [`--dryrun=${v}`, false]),
  ])('bool %s', (arg, want) => {
    expect(parse(arg).dryRun).toBe(want);
  });

  test('a bool does not take the next argument', () => {
    expect(err('-dryrun', 'false')).toBe('unexpected argument "false" (see reimage --help)');
  });

  test('bool default true can be turned off', () => {
    expect(parse('-verify-static-json-mappings=false').verifyStaticJsonMappings).toBe(false);
  });

  test('set records exactly the given keys', () => {
    const r = parseFlags(['-debug', '-concurrency', '3', '-V']);
    expect([...r.set].sort()).toEqual(['concurrency', 'debug', 'version']);
    expect(parseFlags([]).set.size).toBe(0);
  });

  test('-- ends the flags', () => {
    expect(parse('-debug', '--').debug).toBe(true);
    expect(err('-debug', '--', '-dryrun')).toBe('unexpected argument "-dryrun" (see reimage --help)');
  });

  test('positional arguments are refused', () => {
    expect(err('x')).toBe('unexpected argument "x" (see reimage --help)');
    expect(err('-')).toBe('unexpected argument "-" (see reimage --help)');
    expect(err('-debug', 'file.yaml')).toBe('unexpected argument "file.yaml" (see reimage --help)');
  });

  test.each(['-h', '-help', '--help', '--h'])('help %s', (a) => {
    expect(parse(a).help).toBe(true);
  });

  test.each(['-V', '--V', '-version', '--version'])('version %s', (a) => {
    expect(parse(a).version).toBe(true);
  });

  test('every flag of the Go tool exists', () => {
    const go = [
      'V', 'dryrun', 'debug', 'input', 'rules-config', 'mappings-only', 'ignore', 'rename-ignore',
      'rename-remote-path', 'rename-template', 'rename-force-digest', 'clobber', 'no-copy',
      'write-json-mappings-file', 'write-json-mappings-img', 'static-json-mappings-file',
      'static-json-mappings-img', 'vulncheck-timeout', 'vulncheck-max-retries', 'vulncheck-ignore-cve-list',
      'vulncheck-max-cvss', 'vulncheck-ignore-images', 'vulncheck-method', 'grafeas-parent', 'trivy-command',
      'binauthz-attestor', 'gcp-kms-key', 'verify-static-json-mappings',
    ];
    const upstream = ['vulncheck-command', 'vulncheck-format', 'vulncheck-max-risk', 'vulncheck-workers', 'vulncheck-report-template', 'vulncheck-report-output'];
    const portOnly = ['mappings-format'];
    const ours = ['h', 'annotate', 'vulncheck-report', 'grafeas-endpoint', 'binauthz-endpoint', 'kms-endpoint', 'insecure-registry', 'concurrency', 'registry-timeout', 'registry-attempts', 'default-rules', 'find-podspecs', 'list-images', 'list-format'];
    const supplyChain = ['keep-tag', 'verify-only', 'allowed-registries', 'copy-referrers', 'platform', 'write-kustomize-images', 'registry-mirror'];
    expect(FLAG_DEFS.map((d) => d.name).sort()).toEqual([...go, ...upstream, ...portOnly, ...ours, ...supplyChain].sort());
  });
});

describe('typed values', () => {
  test('numbers and durations', () => {
    const o = parse(
      '-vulncheck-max-cvss', '7.5', '-vulncheck-max-retries=0x10', '-concurrency', '4',
      '-vulncheck-timeout', '1h30m',
    );
    expect(o).toEqual({ vulncheckMaxCvss: 7.5, vulncheckMaxRetries: 16, concurrency: 4, vulncheckTimeoutMs: 5_400_000 });
    expect(parse('-vulncheck-timeout=300ms').vulncheckTimeoutMs).toBe(300);
    expect(parse('-vulncheck-timeout=1.5s').vulncheckTimeoutMs).toBe(1500);
    expect(parse('-vulncheck-max-cvss=1e1').vulncheckMaxCvss).toBe(10);
  });

  test('-vulncheck-ignore-cve-list is repeatable, each occurrence kept whole (its [REGEXP=]CVE,… syntax is vuln/ignore\'s)', () => {
    expect(parse('-vulncheck-ignore-cve-list', ' CVE-1 , ,CVE-2,').vulncheckIgnoreCveList).toEqual([' CVE-1 , ,CVE-2,']);
    expect(parse('-vulncheck-ignore-cve-list=a', '-vulncheck-ignore-cve-list=^x{1,2}=b,c').vulncheckIgnoreCveList).toEqual(['a', '^x{1,2}=b,c']);
  });

  test('-insecure-registry is repeatable and comma separated', () => {
    expect(parse('-insecure-registry', 'a:5000,b', '--insecure-registry=c').insecureRegistries).toEqual(['a:5000', 'b', 'c']);
  });

  test('enums are checked while parsing', () => {
    expect(parse('-input', 'yaml').input).toBe('yaml');
    expect(parse('-vulncheck-method=grafeas').vulncheckMethod).toBe('grafeas');
    expect(err('-input', 'json')).toBe('invalid value "json" for flag -input: must be one of k8s, yaml');
  });
});

describe('errors (Go wording)', () => {
  test.each([
    [['-foo'], 'flag provided but not defined: -foo (see reimage --help)'],
    [['--foo=1'], 'flag provided but not defined: -foo (see reimage --help)'],
    [['-rename-template'], 'flag needs an argument: -rename-template'],
    [['--concurrency'], 'flag needs an argument: -concurrency'],
    [['-vulncheck-max-cvss', 'abc'], 'invalid value "abc" for flag -vulncheck-max-cvss: parse error'],
    [['-vulncheck-max-cvss=1e999'], 'invalid value "1e999" for flag -vulncheck-max-cvss: value out of range'],
    [['-concurrency=1.5'], 'invalid value "1.5" for flag -concurrency: parse error'],
    [['-concurrency=99999999999999999999'], 'invalid value "99999999999999999999" for flag -concurrency: value out of range'],
    [['-vulncheck-timeout', '5'], 'invalid value "5" for flag -vulncheck-timeout: parse error (time: missing unit in duration "5")'],
    [['-vulncheck-timeout=1d'], 'invalid value "1d" for flag -vulncheck-timeout: parse error (time: unknown unit "d" in duration "1d")'],
    [['-dryrun=yes'], 'invalid boolean value "yes" for -dryrun: parse error'],
    [['-dryrun='], 'invalid boolean value "" for -dryrun: parse error'],
    [['---debug'], 'bad flag syntax: ---debug'],
    [['-=x'], 'bad flag syntax: -=x'],
    [['--=x'], 'bad flag syntax: --=x'],
  ])('%j', (argv, msg) => {
    expect(err(...argv)).toBe(msg);
  });
});

describe('help and version', () => {
  const help = helpText();
  test('lists every flag with its Go-style type and default', () => {
    for (const d of FLAG_DEFS) expect(help).toContain(`  -${d.name}`);
    expect(help).toContain('  -vulncheck-timeout duration\n    \thow long to wait for vulnerability scanning to complete (default 10m0s)');
    expect(help).toContain('  -V\tprint version/build info');
    expect(help).toContain('(default "^$")');
    expect(help).toContain('-verify-static-json-mappings\n    \twhen loading static mappings, verify that the targets are still valid (default true)');
    expect(help).toContain(`(default ${JSON.stringify(DEFAULT_OPTIONS.renameTemplate)})`);
  });
  test('names the modes', () => {
    expect(help).toMatch(/^Usage:\n  reimage \[flags\]/m);
    for (const m of ['KRM function', 'helm post-renderer', 'mappings only', 'kustomize']) expect(help).toContain(m);
  });
  test('Go help typos are fixed', () => {
    expect(help).not.toMatch(/vulnerabitility|vulnerabilitie\b|"project\/my-project-id"|take all mapping from/);
  });
  test('version comes from package.json', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../package.json') as { version: string };
    expect(versionText()).toBe(`reimage ${pkg.version}\n`);
  });
});
