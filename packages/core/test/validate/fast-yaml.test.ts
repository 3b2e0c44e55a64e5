import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SHARED } from './helpers.js';
import { fastParseStream, parseManifests, type ParsedManifest } from '../../src/validate/index.js';
import { YAML_OPTIONS } from '../../src/validate/parse.js';

/**
 * The fast reader must agree with the `yaml` package (YAML 1.1, as parse.ts configures it) on every
 * document it accepts, and give up on everything else. Checked on every YAML and JSON file of the
 * reference set and on a catalogue of tricky scalars and layouts.
 */

async function sharedFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sharedFiles(path)));
    else if (/\.(ya?ml|json)$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

/** What a parse means to the rest of the pipeline, positions of every field included. */
function meaning(parsed: ParsedManifest[]): unknown[] {
  return parsed.map((p) => {
    if (p.type !== 'resource') return p;
    const { resource } = p;
    const paths = leafPaths(resource.object).slice(0, 60);
    return {
      type: p.type,
      diagnostics: p.diagnostics,
      ref: [resource.file, resource.documentIndex, resource.listIndex, resource.location],
      object: resource.object,
      signature: resource.signature,
      positions: paths.map((path) => [resource.locator.locate(path), resource.locator.locate(path, 'key')]),
    };
  });
}

function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leafPaths(item, [...prefix, index]));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, item]) => leafPaths(item, [...prefix, key]));
  return [prefix];
}

describe('the fast YAML reader', () => {
  test('agrees with the yaml package on every file of ../shared, values and positions', async () => {
    const files = await sharedFiles(SHARED);
    expect(files.length).toBeGreaterThan(100);
    let fast = 0;
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      if (fastParseStream(text)) fast += 1;
      for (const strict of [false, true]) {
        const quick = meaning(parseManifests(file, text, { strict, fast: true }));
        const full = meaning(parseManifests(file, text, { strict, fast: false }));
        expect(quick, `${file} (strict: ${strict})`).toEqual(full);
      }
    }
    // most real manifests are simple enough for the fast path
    expect(fast / files.length).toBeGreaterThan(0.6);
  });

  test.each([
    ['KubeRay samples', 'reference/kuberay/ray-service.sample.yaml'],
    ['a kro RGD', 'reference/kro/kubernetes-webapp.rgd.yaml'],
    ['an Argo CD ApplicationSet', 'reference/argo-cd/git-generator-files.yaml'],
  ])('reads %s', async (_what, file) => {
    expect(fastParseStream(await readFile(join(SHARED, file), 'utf8'))).toBeDefined();
  });

  const cases: string[] = [
    'a: yes\nb: no\nc: on\nd: Off\ne: y\nf: N\ng: TRUE\nh: false\n',
    'a: 0777\nb: 08\nc: 0x1F\nd: 0b101\ne: 1_000\nf: -12\ng: +12\nh: 0\ni: -0\n',
    'a: 1.5\nb: .5\nc: 1.\nd: 1e3\ne: -1.2E-3\nf: .inf\ng: -.Inf\nh: .nan\ni: .\nj: 1_0.5\n',
    'a: ~\nb: null\nc: Null\nd:\ne: NULL\nf: nil\n',
    'a: 2024-01-01\nb: 12:30\nc: 1:2:3\nd: 2001-12-14t21:59:43.10-05:00\n',
    'a: "x\\ty\\n\\"q\\" \\u00e9 \\x41 \\\\ \\/"\nb: \'it\'\'s\'\nc: "#not a comment"\nd: x # comment\ne: x#y\n',
    '5: int\n3.14: float\ntrue: bool\n~: nul\n"quoted": q\n\'single\': s\n0x10: hex\n',
    'a: |\n  line 1\n\n  line 3\n    indented\nb: |-\n  stripped\nc: |+\n  kept\n\nd: >\n  folded\n  text\ne: >-\n  folded\n',
    'a: |\n  trailing\n\n\nb: 1\n',
    'a: |\n  # not a comment\n  x\n# a comment\nb: 2\n',
    'a: [1, "two", three, {k: v}, [x, y], ]\nb: {k: 1, "q": "v", e: , n: null}\nc: []\nd: {}\ne: [-1, a-b, "x:y"]\n',
    'list:\n- a\n- b: 1\n  c: 2\n-\n  - nested\n- - inline\nafter: x\n',
    'list:\n  - a\n  -   b: 1\n      c: 2\nx: 1\n',
    'a:\n  b:\n    c: 1\n  d: 2\ne: 3\n',
    '# lead\n---\na: 1\n---\n# only comment\n---\n\n---\nb: 2\n...\n',
    '---\na: 1\n--- # comment\nb: 2\n',
    'just a string\n',
    '- a\n- b\n',
    'a: 1\n  b: 2\n',
    'a: b: c\n',
    'a: plain\n  continued\n',
    'a: folded over\n  three\n\n  lines # and a comment\nb: 1\n',
    'a:\n  own line\n  continued\nb:\n- item\n  continued\n- 1\n  2\n',
    'a: x # comment\n  more\n',
    'a: x\n  # comment\n  more\n',
    'a: x\n  - y\n',
    'a: one\n\n\n  two\n',
    'a: "unterminated\n  more"\n',
    'a: &anchor 1\nb: *anchor\n',
    'a: !!str 1\n',
    'a: 1\na: 2\n',
    'a:\n\t- tab\n',
    'a: 1\r\nb: 2\r\n',
    '? complex\n: key\n',
    'url: http://example.com:8080/path\nwindows: C:\\dir\nempty: ""\nspace: " x "\n',
    'a: x  #  spaced comment\nb: -x\nc: :x\nd: ?x\n',
    'a:\n- 1\nb:\n  - 2\nc: 3\n',
    'k: {a: [1, {b: 2}]}\n',
    'k: v\n# trailing comment\n\n',
    'emoji: "\\U0001F600"\nlong: "\\xZZ"\n',
    '{"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}}\n',
    '[1, 2, 3]\n',
  ];

  test.each(cases.map((text) => [JSON.stringify(text), text]))('agrees on %s (or gives up)', (_name, text) => {
    const fast = fastParseStream(text);
    if (fast === undefined) return;
    const full = parseAllDocuments(text, YAML_OPTIONS);
    const documents = Array.isArray(full) ? full : [];
    expect(documents.every((d) => d.errors.length === 0), 'accepted a document yaml rejects').toBe(true);
    expect(fast.map((d) => d.value)).toEqual(documents.map((d) => d.toJS()));
  });

  test('gives up on what it does not read exactly', () => {
    for (const text of ['a: &x 1\n', 'a: b: c\n', 'a: 1\na: 2\n', 'a:\n\t- b\n', 'a: "multi\n  line"\n', '<<: {a: 1}\n', '%YAML 1.1\n---\na: 1\n']) {
      expect(fastParseStream(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});
