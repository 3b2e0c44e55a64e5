import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertValidJunit, counts, FIXTURES, offlineFetch, run, serveSchemas, type SchemaServer } from './helpers.js';
import { UsageError } from '../../src/errors/errors.js';
import { cacheFileName, junitReporter, tapReporter, validateManifests } from '../../src/validate/index.js';

/**
 * kubeconform's acceptance cases (../shared/reference/kubeconform-fixtures/EXPECTED.md), each run
 * with the flags listed there and checked against kubeconform's verdict. Core kinds come from the
 * bundled kubernetes-models schemas where kubeconform would download them; rows that use
 * kubeconform's cache fixtures use them through the same sha256(URL) cache. Deliberate differences
 * are asserted as such (see the `differs from kubeconform` tests).
 */

const f = (name: string) => `${FIXTURES}${name}`;
const CACHE = f('cache');
const YANNH = 'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master';
const NON_STANDALONE = `${YANNH}/{{ .NormalizedKubernetesVersion }}{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
const REGISTRY = f('registry/{{ .ResourceKind }}{{ .KindSuffix }}.json');

interface Verdict {
  exit: 0 | 1;
  resources?: number;
  valid?: number;
  invalid?: number;
  errors?: number;
  skipped?: number;
}

function expectVerdict(result: Awaited<ReturnType<typeof run>>, verdict: Verdict): void {
  const { summary } = result;
  const expected = {
    exit: verdict.exit,
    resources: verdict.resources ?? summary.resources,
    valid: verdict.valid ?? summary.valid,
    invalid: verdict.invalid ?? summary.invalid,
    errors: verdict.errors ?? summary.errors,
    skipped: verdict.skipped ?? summary.skipped,
  };
  const actual = { exit: result.exitCode, ...summary } as Record<string, unknown>;
  delete actual.files;
  delete actual.ok;
  expect(actual, `${counts(summary)}\n${result.lines.join('\n')}`).toEqual(expected);
}

describe('kubeconform acceptance fixtures that need no network', () => {
  const table: [string, string[], Parameters<typeof run>[1], Verdict][] = [
    ['valid.yaml -summary', ['valid.yaml'], {}, { exit: 0, resources: 1, valid: 1, invalid: 0, errors: 0, skipped: 0 }],
    ['valid.yaml -skip ReplicationController', ['valid.yaml'], { skipKinds: ['ReplicationController'] }, { exit: 0, skipped: 1, valid: 0 }],
    ['valid.yaml -skip v1/ReplicationController', ['valid.yaml'], { skipKinds: ['v1/ReplicationController'] }, { exit: 0, skipped: 1 }],
    ['valid.yaml -skip v2/ReplicationController (GVK must match)', ['valid.yaml'], { skipKinds: ['v2/ReplicationController'] }, { exit: 0, valid: 1 }],
    ['valid.yaml -reject ReplicationController', ['valid.yaml'], { rejectKinds: ['ReplicationController'] }, { exit: 1, errors: 1 }],
    ['valid.yaml -schema-location foo', ['valid.yaml'], { schemaLocations: ['foo'] }, { exit: 1, errors: 1 }],
    ['valid.yaml -schema-location http://<unreachable>', ['valid.yaml'], { schemaLocations: ['http://127.0.0.1:9'] }, { exit: 1, errors: 1 }],
    ['valid.yaml -cache fixtures/cache (default location, no network)', ['valid.yaml'], { schemaLocations: ['default'], cacheDir: CACHE }, { exit: 0, valid: 1 }],
    ['valid.yaml -cache fixtures/cache, non-standalone template ($ref to _definitions.json)', ['valid.yaml'], { schemaLocations: [NON_STANDALONE], cacheDir: CACHE }, { exit: 0, valid: 1 }],
    ['folder/ -summary', ['folder'], {}, { exit: 0, resources: 7, valid: 7 }],
    ['int_or_string.yaml', ['int_or_string.yaml'], {}, { exit: 0, valid: 1 }],
    ['valid.json -kubernetes-version 1.20.0', ['valid.json'], { kubernetesVersion: '1.20.0' }, { exit: 0, resources: 1, valid: 1 }],
    ['generate_name.yaml', ['generate_name.yaml'], {}, { exit: 0, valid: 1 }],
    ['quantity.yaml', ['quantity.yaml'], {}, { exit: 0, valid: 1 }],
    ['null_string.yaml', ['null_string.yaml'], {}, { exit: 0, valid: 1 }],
    ['multi_valid.yaml -summary', ['multi_valid.yaml'], {}, { exit: 0, resources: 6, valid: 6 }],
    ['multi_invalid.yaml', ['multi_invalid.yaml'], {}, { exit: 1, invalid: 1 }],
    ['invalid.yaml', ['invalid.yaml'], {}, { exit: 1, invalid: 1 }],
    ['blank.yaml -summary', ['blank.yaml'], {}, { exit: 0, resources: 0 }],
    ['comment.yaml -summary', ['comment.yaml'], {}, { exit: 0, resources: 0 }],
    ['missing_kind.yaml', ['missing_kind.yaml'], {}, { exit: 1, errors: 1 }],
    ['missing_kind_value.yaml', ['missing_kind_value.yaml'], {}, { exit: 1, errors: 1 }],
    ['missing_apiversion.yaml', ['missing_apiversion.yaml'], {}, { exit: 1, errors: 1 }],
    ['test_crd.yaml (no schema for the custom kind)', ['test_crd.yaml'], {}, { exit: 1, errors: 1 }],
    ['test_crd.yaml -ignore-missing-schemas', ['test_crd.yaml'], { ignoreMissingSchemas: true }, { exit: 0, skipped: 1 }],
    ['test_crd.yaml -schema-location registry/{{ .ResourceKind }}{{ .KindSuffix }}.json', ['test_crd.yaml'], { schemaLocations: [REGISTRY] }, { exit: 0, valid: 1 }],
    ['test_crd.yaml, first location misses, second hits', ['test_crd.yaml'], { schemaLocations: [f('{{ .ResourceKind }}.json'), REGISTRY] }, { exit: 0, valid: 1 }],
    ['extra_property.yaml -summary (non-strict ignores unknown fields)', ['extra_property.yaml'], {}, { exit: 0, valid: 1 }],
    ['extra_property.yaml -strict -kubernetes-version 1.20.0', ['extra_property.yaml'], { strict: true, kubernetesVersion: '1.20.0' }, { exit: 1, invalid: 1 }],
    ['duplicate_property.yaml -strict -kubernetes-version 1.20.0', ['duplicate_property.yaml'], { strict: true, kubernetesVersion: '1.20.0' }, { exit: 1 }],
    ['duplicate_property.yaml -kubernetes-version 1.20.0 (last key wins)', ['duplicate_property.yaml'], { kubernetesVersion: '1.20.0' }, { exit: 0, valid: 1 }],
    ['list_valid.yaml -summary (List expanded)', ['list_valid.yaml'], {}, { exit: 0, resources: 6, valid: 6 }],
    ['list_invalid.yaml -summary', ['list_invalid.yaml'], {}, { exit: 1, resources: 2, valid: 1, invalid: 1, errors: 0, skipped: 0 }],
    ['list_empty_valid.yaml -summary', ['list_empty_valid.yaml'], {}, { exit: 0, resources: 0 }],
    ['multi_with_list.yaml -summary', ['multi_with_list.yaml'], {}, { exit: 0, resources: 2, valid: 2 }],
    ['grafana-alert-rule-group-sample.yaml -schema-location ./fixtures/grafanaalertrulegroup_v1beta1.json (Go durations)', ['grafana-alert-rule-group-sample.yaml'], { schemaLocations: [f('grafanaalertrulegroup_v1beta1.json')] }, { exit: 0, valid: 1 }],
    ['fixtures/not-here', ['not-here'], {}, { exit: 1, errors: 1 }],
    // kubeval's fixtures (kubeconform has no duplicate-object check, so its "duplicates" are valid)
    ['full_domain_group.yaml', ['full_domain_group.yaml'], {}, { exit: 0, valid: 1 }],
    ['unconventional_keys.yaml (int, float and bool map keys)', ['unconventional_keys.yaml'], {}, { exit: 0, valid: 1 }],
    ['null_array.yaml (args: holding only comments)', ['null_array.yaml'], {}, { exit: 0, valid: 1 }],
    ['same-object-different-namespace.yaml', ['same-object-different-namespace.yaml'], {}, { exit: 0, invalid: 0, errors: 0 }],
    ['same-object-different-namespace-default.yaml', ['same-object-different-namespace-default.yaml'], {}, { exit: 0, invalid: 0, errors: 0 }],
    ['same-kind-different-api.yaml (apps/v1 and apps/v1beta1 Deployment)', ['same-kind-different-api.yaml'], {}, { exit: 0, valid: 2 }],
    ['duplicates.yaml', ['duplicates.yaml'], {}, { exit: 0, invalid: 0, errors: 0 }],
    ['duplicates-non-namespaced.yaml', ['duplicates-non-namespaced.yaml'], {}, { exit: 0, invalid: 0, errors: 0 }],
    ['duplicates-with-namespace.yaml', ['duplicates-with-namespace.yaml'], {}, { exit: 0, invalid: 0, errors: 0 }],
    ['duplicates-with-namespace-default.yaml', ['duplicates-with-namespace-default.yaml'], {}, { exit: 0, invalid: 0, errors: 0 }],
    ['duplicates-skipped-kinds.yaml -skip SkipThisKind', ['duplicates-skipped-kinds.yaml'], { skipKinds: ['SkipThisKind'] }, { exit: 0, skipped: 2 }],
    ['valid_version.yaml -strict -kubernetes-version 1.14.0', ['valid_version.yaml'], { strict: true, kubernetesVersion: '1.14.0' }, { exit: 0, valid: 1 }],
    ['multi_invalid_resources.yaml (5 × kind:)', ['multi_invalid_resources.yaml'], {}, { exit: 1, resources: 5, errors: 5 }],
    ['multi_valid_source.yaml', ['multi_valid_source.yaml'], {}, { exit: 0, invalid: 0, errors: 0 }],
  ];

  test.each(table)('%s', async (_title, files, options, verdict) => {
    expectVerdict(await run(files.map(f), options), verdict);
  });

  test('list_invalid.yaml reports /spec/replicas at its line, and not the misspelled `templates` (non-strict)', async () => {
    const result = await run([f('list_invalid.yaml')]);
    expect(result.lines).toEqual([`${f('list_invalid.yaml')}:26:15: spec.replicas: expected integer, got string "asd\\""`]);
  });

  test('missing kind and apiVersion are named as kubeconform names them', async () => {
    for (const [file, text] of [
      ['missing_kind.yaml', "missing 'kind' key"],
      ['missing_kind_value.yaml', "missing 'kind' key"],
      ['missing_apiversion.yaml', "missing 'apiVersion' key"],
    ]) {
      expect((await run([f(file!)])).lines.join('\n')).toContain(text);
    }
  });

  test('-reject names the prohibited kind', async () => {
    const result = await run([f('valid.yaml')], { rejectKinds: ['ReplicationController'] });
    expect(result.lines.join('\n')).toContain('prohibited resource kind ReplicationController');
  });

  test('a path that does not exist is an error result naming it', async () => {
    const result = await run([f('not-here')]);
    expect(result.lines).toEqual([`${f('not-here')}:1:1: cannot read ${f('not-here')}: no such file or directory`]);
  });

  test('valid.yaml, invalid.yaml and list_valid.yaml read from stdin (`-`)', async () => {
    for (const [file, verdict] of [
      ['valid.yaml', { exit: 0, resources: 1, valid: 1 }],
      ['invalid.yaml', { exit: 1, invalid: 1 }],
      ['list_valid.yaml', { exit: 0, resources: 6, valid: 6 }],
    ] as const) {
      const stdin = Readable.from([await readFile(f(file))]);
      const result = await run(['-'], { stdin });
      expectVerdict(result, verdict);
      expect(result.results[0]!.resource.file).toBe('stdin');
    }
  });

  test('-ignore-filename-pattern crd and .*invalid.* leave only quantity.yaml', async () => {
    const result = await run(['multi_invalid.yaml', 'list_invalid.yaml', 'quantity.yaml', 'crd_schema.yaml'].map(f), {
      ignoreFilenamePatterns: ['crd', '.*invalid.*'],
    });
    expectVerdict(result, { exit: 0, resources: 1, valid: 1 });
    expect(result.summary.files).toBe(1);
  });

  test('-output tap', async () => {
    let text = '';
    await run([f('valid.yaml')], { reporters: [tapReporter({ write: (t: string) => (text += t) })] });
    expect(text).toBe(`TAP version 13\nok 1 - ${f('valid.yaml')} (v1/ReplicationController//bob)\n1..1\n`);
  });

  test('-output junit validates against junit.xsd', async () => {
    let text = '';
    await run([f('valid.yaml')], { reporters: [junitReporter({ write: (t: string) => (text += t) })] });
    expect(text).toContain('<testsuite name="');
    expect(text).toContain('tests="1" failures="0" errors="0" skipped="0"');
    await assertValidJunit(text);
  });
});

describe('kubeconform schema download and cache (served from 127.0.0.1)', () => {
  let server: SchemaServer;
  let dir: string;
  beforeAll(async () => {
    const standalone = await readFile(join(CACHE, cacheFileName(`${YANNH}/master-standalone/replicationcontroller-v1.json`)), 'utf8');
    const referencing = await readFile(join(CACHE, cacheFileName(`${YANNH}/master/replicationcontroller-v1.json`)), 'utf8');
    const definitions = await readFile(join(CACHE, cacheFileName(`${YANNH}/master/_definitions.json`)), 'utf8');
    // the non-standalone schema $refs kubeconform's absolute URL; served here, it points back at this server
    server = await serveSchemas({
      '/master-standalone/replicationcontroller-v1.json': standalone,
      '/master/replicationcontroller-v1.json': referencing.split(`${YANNH}/master/`).join('SERVER/master/'),
      '/master/_definitions.json': definitions,
    });
    server.rewrite('SERVER', server.url);
  });
  afterAll(async () => server.close());
  const withCache = async (work: (cache: string) => Promise<void>) => {
    dir = await tempDir('schema-cache-');
    try {
      await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  test('-cache cache writes exactly one file, named sha256(URL), for a standalone schema', async () => {
    await withCache(async (cache) => {
      const result = await run([f('valid.yaml')], { schemaLocations: [server.url], cacheDir: cache });
      expectVerdict(result, { exit: 0, valid: 1 });
      expect(await readdir(cache)).toEqual([cacheFileName(`${server.url}/master-standalone/replicationcontroller-v1.json`)]);
      // a second run reads the cache and downloads nothing
      const before = server.requests.length;
      expectVerdict(await run([f('valid.yaml')], { schemaLocations: [server.url], cacheDir: cache }), { exit: 0, valid: 1 });
      expect(server.requests.length).toBe(before);
    });
  });

  test('a non-standalone template caches the schema and its _definitions.json: two files', async () => {
    await withCache(async (cache) => {
      const template = `${server.url}/{{ .NormalizedKubernetesVersion }}{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
      expectVerdict(await run([f('valid.yaml')], { schemaLocations: [template], cacheDir: cache }), { exit: 0, valid: 1 });
      expect((await readdir(cache)).sort()).toEqual(
        [cacheFileName(`${server.url}/master/replicationcontroller-v1.json`), cacheFileName(`${server.url}/master/_definitions.json`)].sort(),
      );
    });
  });

  test('-schema-location .../doesnotexist.json -cache cache: could not find schema, and the 404 is not cached', async () => {
    await withCache(async (cache) => {
      const result = await run([f('valid.yaml')], { schemaLocations: [`${server.url}/doesnotexist.json`], cacheDir: cache });
      expectVerdict(result, { exit: 1, errors: 1 });
      expect(result.lines.join('\n')).toContain('could not find schema for ReplicationController');
      expect(await readdir(cache)).toEqual([]);
    });
  });
});

describe('differs from kubeconform (deliberately)', () => {
  test('no network and no flags: kubeconform fails (exit 1); the bundled schemas validate valid.yaml offline', async () => {
    expectVerdict(await run([f('valid.yaml')]), { exit: 0, valid: 1 });
    // kubeconform's behaviour is still there when its default location is asked for explicitly
    expectVerdict(await run([f('valid.yaml')], { schemaLocations: ['default'], fetch: offlineFetch }), { exit: 1, errors: 1 });
  });

  test("a template with an unknown field is a usage error (exit 2 in the CLI) instead of kubeconform's exit 1", async () => {
    const attempt = validateManifests({ paths: [f('valid.yaml')], schemaLocations: ['foo {{ .Foo }}'] });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(/^failed initialising schema location 'foo \{\{ \.Foo \}\}'/);
  });

  test('-kubernetes-version 1.25 is a usage error (exit 2 in the CLI)', async () => {
    const attempt = validateManifests({ paths: [f('valid.yaml')], kubernetesVersion: '1.25' });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow('invalid --kubernetes-version \'1.25\': use "master" (the default) or a full version x.y.z');
  });

  test('-cache cache_does_not_exist is a usage error (exit 2 in the CLI)', async () => {
    const attempt = validateManifests({ paths: [f('valid.yaml')], cacheDir: f('cache_does_not_exist') });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(/^failed opening cache folder .*cache_does_not_exist/);
  });

  test('duplicate keys under --strict make the resource invalid (kubeconform: an error), located at the second key', async () => {
    const result = await run([f('duplicate_property.yaml')], { strict: true });
    expectVerdict(result, { exit: 1, invalid: 1, errors: 0 });
    expect(result.lines).toContain(
      `${f('duplicate_property.yaml')}:16:7: duplicate key "containers" (first defined at line 13); decoders keep only the last one, so merge the two into one key`,
    );
  });

});

