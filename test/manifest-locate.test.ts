import { JSONPath } from 'jsonpath-plus';
import { compileRules, DEFAULT_RULES, isLocalConfig, locateImages, parseRulesConfig, resourceId } from '../src/manifest';
import type { ImageRule, LocateOptions } from '../src/manifest';
import { UsageError } from '../src/util/errors';

const DEFAULTS = compileRules(DEFAULT_RULES);
const NONE = compileRules([]);

const podSpec = (tag: string) => ({
  containers: [{ name: 'a', image: `c-${tag}` }],
  initContainers: [{ name: 'i', image: `i-${tag}` }],
  ephemeralContainers: [{ name: 'e', image: `e-${tag}` }],
  volumes: [{ name: 'v', image: { reference: `v-${tag}` } }, { name: 'w', emptyDir: {} }],
});

function images(resource: unknown, rules = DEFAULTS, mode: 'k8s' | 'yaml' = 'k8s', opts: LocateOptions = {}): string[] {
  return locateImages(resource, rules, mode, opts).map((f) => `${f.path.join('.')}=${String(f.value)}`);
}

const TEMPLATE = 'spec.template.spec';

describe('built-in kinds', () => {
  test.each([
    ['v1', 'Pod', 'spec', (s: object) => ({ spec: s })],
    ['v1', 'PodTemplate', 'template.spec', (s: object) => ({ template: { spec: s } })],
    ['v1', 'ReplicationController', TEMPLATE, (s: object) => ({ spec: { template: { spec: s } } })],
    ['apps/v1', 'Deployment', TEMPLATE, (s: object) => ({ spec: { template: { spec: s } } })],
    ['extensions/v1beta1', 'Deployment', TEMPLATE, (s: object) => ({ spec: { template: { spec: s } } })],
    ['apps/v1beta1', 'Deployment', TEMPLATE, (s: object) => ({ spec: { template: { spec: s } } })],
    ['apps/v1beta2', 'Deployment', TEMPLATE, (s: object) => ({ spec: { template: { spec: s } } })],
    ['apps/v1', 'ReplicaSet', TEMPLATE, (s: object) => ({ spec: { template: { spec: s } } })],
    ['extensions/v1beta1', 'DaemonSet', TEMPLATE, (s: object) => ({ spec: { template: { spec: s } } })],
    ['apps/v1', 'DaemonSet', TEMPLATE, (s: object) => ({ spec: { template: { spec: s } } })],
    ['apps/v1', 'StatefulSet', TEMPLATE, (s: object) => ({ spec: { template: { spec: s } } })],
    ['batch/v1', 'Job', TEMPLATE, (s: object) => ({ spec: { template: { spec: s } } })],
    ['batch/v1', 'CronJob', 'spec.jobTemplate.spec.template.spec', (s: object) => ({ spec: { jobTemplate: { spec: { template: { spec: s } } } } })],
    ['batch/v1beta1', 'CronJob', 'spec.jobTemplate.spec.template.spec', (s: object) => ({ spec: { jobTemplate: { spec: { template: { spec: s } } } } })],
  ])('%s %s: containers, initContainers, ephemeralContainers, image volumes', (apiVersion, kind, base, wrap) => {
    expect(images({ apiVersion, kind, ...wrap(podSpec('x')) }, NONE)).toEqual([
      `${base}.containers.0.image=c-x`,
      `${base}.initContainers.0.image=i-x`,
      `${base}.ephemeralContainers.0.image=e-x`,
      `${base}.volumes.0.image.reference=v-x`,
    ]);
  });

  test.each([
    ['example.com/v1', 'Deployment'],
    ['apps/v1', 'Pod'],
    ['v1', 'Deployment'],
    ['batch/v1', 'Deployment'],
    ['example.com/v1', 'CronJob'],
  ])('%s %s is not a built-in (with -find-podspecs=false)', (apiVersion, kind) => {
    const r = { apiVersion, kind, spec: { ...podSpec('x'), template: { spec: podSpec('y') }, jobTemplate: { spec: { template: { spec: podSpec('z') } } } } };
    expect(images(r, NONE, 'k8s', { findPodSpecs: false })).toEqual([]);
    // Pod specs anywhere still finds all three, as pod specs.
    expect(locateImages(r, NONE, 'k8s').map((f) => f.foundBy)).toEqual(Array(12).fill('pod spec'));
  });

  test('paths use numbers for indexes; non-string values are returned for the caller to report', () => {
    const fields = locateImages({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ image: 5 }, { name: 'no-image' }, { image: null }, 'junk'] } }, NONE, 'k8s');
    expect(fields).toEqual([
      { path: ['spec', 'containers', 0, 'image'], value: 5, foundBy: 'built-in Pod' },
      { path: ['spec', 'containers', 2, 'image'], value: null, foundBy: 'built-in Pod' },
    ]);
  });

  test('pod specs by shape: a container needs a name and a string image; the core kinds report any value', () => {
    const r = { apiVersion: 'example.com/v1', kind: 'Chart', spec: { containers: [{ name: 'a', image: { repository: 'nginx', tag: '1' } }], other: { containers: [{ image: 'x' }] } } };
    expect(images(r, NONE)).toEqual([]);
    const mixed = { apiVersion: 'example.com/v1', kind: 'X', spec: { containers: [{ name: 'a', image: 'ok' }, { name: 'b', image: 5 }], volumes: [{ image: { reference: 7 } }] } };
    expect(images(mixed, NONE)).toEqual(['spec.containers.0.image=ok']);
  });

  test('not an object: nothing', () => {
    expect(locateImages('text', DEFAULTS, 'k8s')).toEqual([]);
    expect(locateImages(null, DEFAULTS, 'k8s')).toEqual([]);
    expect(locateImages([1], DEFAULTS, 'k8s')).toEqual([]);
  });
});

describe('List kinds', () => {
  test('List: every item by its own kind, recursively', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ image: 'a' }] } },
        { apiVersion: 'v1', kind: 'ConfigMap', data: { image: 'no' } },
        { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: { containers: [{ image: 'b' }] } } } }] },
        { spec: { containers: [{ image: 'no kind' }] } },
      ],
    };
    expect(images(list, NONE)).toEqual(['items.0.spec.containers.0.image=a', 'items.2.items.0.spec.template.spec.containers.0.image=b']);
  });

  test('typed list: items without kind use the element kind and the list apiVersion', () => {
    const list = {
      apiVersion: 'apps/v1',
      kind: 'DeploymentList',
      items: [{ spec: { template: { spec: { containers: [{ image: 'a' }] } } } }, { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ image: 'b' }] } }],
    };
    expect(images(list, NONE)).toEqual(['items.0.spec.template.spec.containers.0.image=a', 'items.1.spec.containers.0.image=b']);
  });

  test('PodList and CronJobList', () => {
    expect(images({ apiVersion: 'v1', kind: 'PodList', items: [{ spec: { containers: [{ image: 'p' }] } }] }, NONE)).toEqual(['items.0.spec.containers.0.image=p']);
    expect(images({ apiVersion: 'batch/v1', kind: 'CronJobList', items: [{ spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ image: 'c' }] } } } } } }] }, NONE)).toEqual([
      'items.0.spec.jobTemplate.spec.template.spec.initContainers.0.image=c',
    ]);
  });

  test('a typed list of a CRD group is not built-in, but rules apply to its items', () => {
    const rules = compileRules([{ kind: '^Widget$', apiVersion: '^example\\.com/', imageJSONP: ['$.spec.image'] }]);
    const list = { apiVersion: 'example.com/v1', kind: 'DeploymentList', items: [{ spec: { template: { spec: { containers: [{ image: 'x' }] } } } }] };
    expect(images(list, rules)).toEqual([]);
    expect(images({ apiVersion: 'example.com/v1', kind: 'WidgetList', items: [{ spec: { image: 'w' } }] }, rules)).toEqual(['items.0.spec.image=w']);
  });
});

describe('default rules', () => {
  test('Prometheus (the Go default)', () => {
    expect(images({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', spec: { image: 'quay.io/prometheus/prometheus:v2' } })).toEqual(['spec.image=quay.io/prometheus/prometheus:v2']);
    expect(images({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', spec: { image: 'x' } })).toEqual([]);
  });

  test.each(['Service', 'Configuration'])('Knative %s', (kind) => {
    const r = { apiVersion: 'serving.knative.dev/v1', kind, spec: { template: { spec: { containers: [{ image: 'k' }], initContainers: [{ image: 'i' }] } } } };
    expect(images(r)).toEqual(['spec.template.spec.containers.0.image=k', 'spec.template.spec.initContainers.0.image=i']);
  });

  test('a core Service is not a Knative one', () => {
    expect(images({ apiVersion: 'v1', kind: 'Service', spec: { template: { spec: { containers: [{ image: 'k' }] } } } })).toEqual([]);
  });

  test('Argo Rollout', () => {
    const r = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', spec: { template: { spec: podSpec('r') } } };
    expect(images(r)).toEqual([
      'spec.template.spec.containers.0.image=c-r',
      'spec.template.spec.initContainers.0.image=i-r',
      'spec.template.spec.ephemeralContainers.0.image=e-r',
      'spec.template.spec.volumes.0.image.reference=v-r',
    ]);
    expect(images(r, DEFAULTS, 'k8s', { findPodSpecs: false })).toEqual([
      'spec.template.spec.containers.0.image=c-r',
      'spec.template.spec.initContainers.0.image=i-r',
      'spec.template.spec.ephemeralContainers.0.image=e-r',
    ]);
  });

  const templates = [
    { name: 'a', container: { image: 'ca' } },
    { name: 'b', script: { image: 'sb', source: 'echo' } },
    { name: 'c', initContainers: [{ image: 'ic' }], sidecars: [{ image: 'sc' }], container: { image: 'cc' } },
    { name: 'd', steps: [[{ name: 's', template: 'a' }]] },
  ];
  const argo = ['spec.templates.0.container.image=ca', 'spec.templates.2.container.image=cc', 'spec.templates.1.script.image=sb', 'spec.templates.2.initContainers.0.image=ic', 'spec.templates.2.sidecars.0.image=sc'];

  test.each(['Workflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate'])('Argo %s', (kind) => {
    expect(images({ apiVersion: 'argoproj.io/v1alpha1', kind, spec: { templates } })).toEqual(argo);
  });

  test('Argo CronWorkflow', () => {
    expect(images({ apiVersion: 'argoproj.io/v1alpha1', kind: 'CronWorkflow', spec: { workflowSpec: { templates } } })).toEqual(argo.map((a) => a.replace('spec.', 'spec.workflowSpec.')));
  });
});

describe('user rules', () => {
  const user: ImageRule[] = [
    { kind: '^Widget$', apiVersion: '^example\\.com/v1$', imageJSONP: ['$.spec.image', '$.spec.sidecars[*].image'] },
    { kind: '^Widget$', apiVersion: '', imageJSONP: ['$.spec.never'] },
    { kind: '^Deployment$', apiVersion: '^apps/', imageJSONP: ['$.spec.template.spec.containers[*].image', '$.metadata.annotations.image'] },
    { kind: '^Prometheus$', apiVersion: 'coreos', imageJSONP: ['$.spec.baseImage'] },
  ];
  const rules = compileRules([...user, ...DEFAULT_RULES]);

  test('the first matching rule wins', () => {
    const r = { apiVersion: 'example.com/v1', kind: 'Widget', spec: { image: 'w', never: 'n', sidecars: [{ image: 's1' }, { image: 's2' }] } };
    expect(images(r, rules)).toEqual(['spec.image=w', 'spec.sidecars.0.image=s1', 'spec.sidecars.1.image=s2']);
  });

  test('a user rule shadows a default rule for the same kind', () => {
    const r = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', spec: { image: 'default', baseImage: 'user' } };
    expect(images(r, rules)).toEqual(['spec.baseImage=user']);
  });

  test('rules add to built-ins, deduplicated by path', () => {
    const r = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { annotations: { image: 'ann' } }, spec: { template: { spec: { containers: [{ image: 'c' }] } } } };
    expect(images(r, rules)).toEqual(['spec.template.spec.containers.0.image=c', 'metadata.annotations.image=ann']);
  });

  test('kind and apiVersion regexps are unanchored, as in Go', () => {
    const r = compileRules([{ kind: 'idge', apiVersion: 'example', imageJSONP: ['$.image'] }]);
    expect(images({ apiVersion: 'x.example.org/v2', kind: 'Widget', image: 'i' }, r)).toEqual(['image=i']);
  });

  test('Raw rules apply to any document in yaml mode only', () => {
    const r = compileRules([{ kind: 'Raw', apiVersion: '', imageJSONP: ['$..image'] }, { kind: 'Raw', apiVersion: '', imageJSONP: ['$.second'] }]);
    const doc = { values: { app: { image: 'a' } }, list: [{ image: 'b' }], second: 'no' };
    expect(images(doc, r, 'k8s')).toEqual([]);
    expect(images(doc, r, 'yaml')).toEqual(['values.app.image=a', 'list.0.image=b']);
    expect(images([{ image: 'top' }], r, 'yaml')).toEqual(['0.image=top']);
  });

  test('yaml mode still finds built-in locations', () => {
    const r = compileRules([{ kind: 'Raw', apiVersion: '', imageJSONP: ['$..image'] }]);
    expect(images({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ image: 'p' }] } }, r, 'yaml')).toEqual(['spec.containers.0.image=p']);
  });

  test.each([
    ["$.spec['we.ird'].image", { spec: { 'we.ird': { image: 'q' } } }, ['spec.we.ird.image=q']],
    ['$.spec["a-b"].image', { spec: { 'a-b': { image: 'q' } } }, ['spec.a-b.image=q']],
    ["$.spec.x['a','b']", { spec: { x: { a: '1', b: '2', c: '3' } } }, ['spec.x.a=1', 'spec.x.b=2']],
    ['$.spec.list[-1].image', { spec: { list: [{ image: '1' }, { image: '2' }] } }, ['spec.list.1.image=2']],
    ['$.spec.list[0:1].image', { spec: { list: [{ image: '1' }, { image: '2' }] } }, ['spec.list.0.image=1']],
    ['$.spec.list[0,1].image', { spec: { list: [{ image: '1' }, { image: '2' }] } }, ['spec.list.0.image=1', 'spec.list.1.image=2']],
    ['$.spec.*.image', { spec: { a: { image: '1' }, b: { image: '2' } } }, ['spec.a.image=1', 'spec.b.image=2']],
    ['$..image', { spec: { a: [{ image: '1' }] } }, ['spec.a.0.image=1']],
    ['$.spec.missing[*].image', { spec: {} }, []],
  ] as Array<[string, object, string[]]>)('query %s', (q, obj, expected) => {
    const r = compileRules([{ kind: '', apiVersion: '', imageJSONP: [q] }]);
    expect(images(obj, r)).toEqual(expected);
  });
});

describe('rule validation', () => {
  function compileError(rules: ImageRule[]): string {
    try {
      compileRules(rules);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error('no error');
  }
  const ok: ImageRule = { kind: '^A$', apiVersion: '', imageJSONP: ['$.a'] };

  test('bad kind regexp names the rule, field and value', () => {
    expect(compileError([ok, ok, { kind: '([', apiVersion: '', imageJSONP: [] }])).toBe(
      'rules-config rule 2: could not compile json matcher 2, failed to compile Kind regexp, error parsing regexp: missing closing ]: `[`',
    );
  });

  test('bad apiVersion regexp', () => {
    expect(compileError([{ kind: 'A', apiVersion: 'a)', imageJSONP: [] }])).toBe(
      'rules-config rule 0: could not compile json matcher 0, failed to compile APIVersion regexp, error parsing regexp: unexpected ): `a)`',
    );
  });

  test('Perl-only regexp syntax that RE2 refuses', () => {
    expect(compileError([{ kind: '(?=x)', apiVersion: '', imageJSONP: [] }])).toMatch(/failed to compile Kind regexp, error parsing regexp: invalid or unsupported Perl syntax/);
    expect(compileError([{ kind: '(a)\\1', apiVersion: '', imageJSONP: [] }])).toMatch(/failed to compile Kind regexp, error parsing regexp: invalid escape sequence/);
  });

  test('Raw rules skip the regexps', () => {
    expect(() => compileRules([{ kind: 'Raw', apiVersion: '([', imageJSONP: ['$.a'] }])).not.toThrow();
  });

  test.each([
    ['$.spec[', 'invalid syntax (position=6, reason=unrecognized input, near=[)'],
    ['.. .. ..', 'invalid syntax (position=0, reason=unrecognized input, near=.. .. ..)'],
    ['$.spec..', 'invalid syntax (position=6, reason=unrecognized input, near=..)'],
    ['$.a b', 'invalid syntax (position=3, reason=unrecognized input, near= b)'],
    ['$[abc]', 'invalid syntax (position=1, reason=unrecognized input, near=[abc])'],
    ["$['unterminated", "invalid syntax (position=2, reason=unterminated quoted name, near='unterminated)"],
    ['$.a[::-1]', 'invalid syntax (position=3, reason=slices with a step below 1 are not supported by this port, near=[::-1])'],
    ['$.a[(@.length-1)]', 'invalid syntax (position=3, reason=script expressions [(...)] are not supported, near=[(@.length-1)])'],
    ['$.a[?(@.b ==)]', 'invalid syntax (position=12, reason=unrecognized input, near=)])'],
    ['$.a[?(@.b =~ /(/)]', 'invalid syntax (position=13, reason=invalid regexp: error parsing regexp: missing closing ): `(`, near=/(/)])'],
  ])('bad jsonpath %s', (q, msg) => {
    const m = compileError([ok, { kind: 'B', apiVersion: '', imageJSONP: ['$.ok', q] }]);
    expect(m).toBe(`rules-config rule 1: could not compile json matcher 1, failed to parse jsonpath expression ${JSON.stringify(q)}, ${msg}`);
  });

  test('non-string values', () => {
    expect(compileError([{ kind: 'A', apiVersion: '', imageJSONP: [3 as unknown as string] }])).toMatch(/rule 0: .*imageJSONP entries must be strings, got number/);
    expect(compileError([{ kind: 'A', apiVersion: '', imageJSONP: 'x' as unknown as string[] }])).toMatch(/rule 0: .*imageJSONP must be a list of strings/);
  });

  describe('no user code runs: scripts are refused, filters are compiled here', () => {
    test('our parser rejects scripts at compile time', () => {
      for (const q of ['$.spec.containers[(@.length-1)].image', '$..[(@.x)]']) {
        expect(compileError([{ kind: 'A', apiVersion: '', imageJSONP: [q] }])).toMatch(/script expressions \[\(\.\.\.\)\] are not supported/);
      }
    });

    test('and jsonpath-plus itself, with eval: false, refuses to evaluate them', () => {
      const json = { spec: { containers: [{ name: 'a', image: 'x' }] } };
      let ran = false;
      const probe = { get x() {
        ran = true;
        return 1;
      } };
      expect(() => JSONPath({ path: '$.spec.containers[?(@.name)].image', json, eval: false, wrap: true })).toThrow(/Eval \[\?\(expr\)\] prevented/);
      expect(() => JSONPath({ path: '$..[?(@.x)]', json: { a: probe }, eval: false, wrap: true })).toThrow(/prevented/);
      expect(ran).toBe(false);
    });
  });
});

describe('parseRulesConfig', () => {
  test('the Go README example', () => {
    const text = `- kind: ^Prometheus$                     # Regexp matching the k8s Kind of objects
  apiVersion: ^monitoring.coreos.com/v1$ # Regexp matching APIVersion of objects
  imageJSONP:
  - "$.spec.image"                       # JSONP queries that match image fields of a type
`;
    expect(parseRulesConfig(text, 'rules.yaml')).toEqual([{ kind: '^Prometheus$', apiVersion: '^monitoring.coreos.com/v1$', imageJSONP: ['$.spec.image'] }]);
  });

  test('empty file, case-insensitive field names, missing fields', () => {
    expect(parseRulesConfig('', 'r')).toEqual([]);
    expect(parseRulesConfig('- Kind: Raw\n  imagejsonp: [$.a]\n', 'r')).toEqual([{ kind: 'Raw', apiVersion: '', imageJSONP: ['$.a'] }]);
  });

  test('errors name the file', () => {
    expect(() => parseRulesConfig('kind: x\n', 'r.yaml')).toThrow(/^rules-config r.yaml: expected a list of rules$/);
    expect(() => parseRulesConfig('- [x]\n', 'r.yaml')).toThrow(/rule 0 is not a mapping/);
    expect(() => parseRulesConfig('- kind: A\n  imageJSONP: x\n', 'r.yaml')).toThrow(/rule 0: imageJSONP must be a list of strings/);
    expect(() => parseRulesConfig('- a: [\n', 'r.yaml')).toThrow(/^rules-config r.yaml: invalid YAML: /);
  });
});

describe('resource helpers', () => {
  test('isLocalConfig', () => {
    expect(isLocalConfig({ metadata: { annotations: { 'config.kubernetes.io/local-config': 'true' } } })).toBe(true);
    expect(isLocalConfig({ metadata: { annotations: { 'config.kubernetes.io/local-config': true } } })).toBe(true);
    expect(isLocalConfig({ metadata: { annotations: { 'config.kubernetes.io/local-config': 'false' } } })).toBe(false);
    expect(isLocalConfig({ metadata: {} })).toBe(false);
    expect(isLocalConfig('x')).toBe(false);
  });

  test('resourceId', () => {
    expect(resourceId({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } })).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'prod' });
    expect(resourceId({ kind: 'Pod', metadata: { name: 3 } })).toEqual({ kind: 'Pod' });
    expect(resourceId(null)).toEqual({});
  });
});
