// The two YAML readers side by side on the same input: validate/fast-yaml.ts vs the `yaml` package
// read the way parse.ts reads manifests (YAML 1.1, parseAllDocuments + toJS), on (1) the 1,000
// manifest files of the validate bench shape and (2) the RayService CRD (a megabyte of YAML).
//   node --conditions source --import tsx bench/yaml-readers.ts
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { manifestFiles } from './validate-shape.js';
import { fastParseStream } from '../packages/core/src/validate/fast-yaml.js';
import { YAML_OPTIONS } from '../packages/core/src/validate/parse.js';

const SHARED = resolve(import.meta.dirname, '../../shared');
const inputs: [string, string[]][] = [
  ['10,000 manifests in 1,000 files', manifestFiles(SHARED).map((file) => file.text)],
  ['RayService CRD (1 file)', [readFileSync(resolve(SHARED, 'crds/ray.io_rayservices.yaml'), 'utf8')]],
];

function time(read: (text: string) => unknown, texts: readonly string[]): number {
  const rounds: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    const started = performance.now();
    for (const text of texts) read(text);
    rounds.push(performance.now() - started);
  }
  return rounds.sort((a, b) => a - b)[2]!; // median of 5
}

for (const [label, texts] of inputs) {
  if (texts.some((text) => fastParseStream(text) === undefined)) throw new Error(`${label}: the fast reader gave up; not the same input`);
  const fast = time((text) => fastParseStream(text), texts);
  const full = time((text) => parseAllDocuments(text, YAML_OPTIONS).map((document) => document.toJS()), texts);
  console.log(`${label}: fast-yaml ${fast.toFixed(0)} ms, yaml ${full.toFixed(0)} ms, ratio ${(full / fast).toFixed(1)}x`);
}
