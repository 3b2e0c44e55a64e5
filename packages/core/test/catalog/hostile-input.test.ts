import { mkdir, symlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkFile, entryWithServing, makeTempDir, validEntry } from './fixtures.js';
import { checkCatalog } from '../../src/catalog/check-catalog.js';
import { checkModelEntrySource, loadModelEntry, MAX_ENTRY_FILE_BYTES } from '../../src/catalog/load-model-entry.js';
import { formatDiagnostic } from '../../src/report/diagnostic.js';

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...Buffer.from(part, 'utf8')] : part)));

describe('file-level limits', () => {
  test('rejects a file above the size cap at FILE:1:1 without parsing it', async () => {
    const { file, lines } = await checkFile('big.yaml', `# ${'x'.repeat(MAX_ENTRY_FILE_BYTES)}\n`);
    expect(lines).toEqual([
      `${file}:1:1: file is 262147 bytes, more than the 262144 bytes a catalog entry may have; check that this is the right file`,
    ]);
  });

  test('applies the same size cap to bytes checked in memory', () => {
    const result = checkModelEntrySource(new Uint8Array(MAX_ENTRY_FILE_BYTES + 1), 'mem.yaml');
    expect(result.diagnostics.map((d) => [d.code, d.location.line, d.location.column])).toEqual([['catalog/file-too-large', 1, 1]]);
  });

  test('reports a catalog path that is a directory as not a regular file', async () => {
    const dir = await makeTempDir();
    await mkdir(path.join(dir, 'odd.yaml'));
    const result = await checkCatalog(dir);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      `${path.join(dir, 'odd.yaml')}:1:1: file is not a regular file; a catalog entry is a .yaml file`,
    ]);
  });

  test('refuses a symbolic link without reading or quoting what it points to', async () => {
    const dir = await makeTempDir();
    const secret = 'ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000';
    await mkdir(path.join(dir, '.git'));
    await writeFile(path.join(dir, '.git', 'config'), `[remote "origin"]\n\turl = https://x-access-token:${secret}@github.com/acme/gitops.git\ntoken: ${secret}\nname: ${secret}\n`);
    await mkdir(path.join(dir, 'models'));
    await symlink(path.join('..', '.git', 'config'), path.join(dir, 'models', 'qwen.yaml'));
    const result = await checkCatalog(path.join(dir, 'models'));
    const printed = result.diagnostics.map(formatDiagnostic);
    expect(printed.join('\n')).not.toContain(secret);
    expect(printed).toEqual([
      `${path.join(dir, 'models', 'qwen.yaml')}:1:1: file is a symbolic link; a catalog entry must be a regular file in the catalog directory, so copy the entry there instead of linking it`,
    ]);
    expect(result.entries).toEqual([]);
  });

  test('reports a file that does not exist as a diagnostic rather than throwing', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'gone.yaml');
    const result = await loadModelEntry(file);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      `${file}:1:1: file cannot be read (it does not exist); check that it exists and is readable`,
    ]);
  });
});

describe('encoding', () => {
  test('reports invalid UTF-8 at the line and column of the first bad byte', async () => {
    const { file, lines } = await checkFile('latin1.yaml', bytes('name: latin1\ndescription: caf', [0xe9], ' au lait\n'));
    expect(lines).toEqual([`${file}:2:17: file is not valid UTF-8 (byte 0xE9 at offset 29); save it as UTF-8`]);
  });

  test('counts columns in characters, not bytes, before an invalid byte', async () => {
    const { file, lines } = await checkFile('mixed.yaml', bytes('description: ü', [0xc3, 0x28], '\n'));
    expect(lines).toEqual([`${file}:1:15: file is not valid UTF-8 (byte 0xC3 at offset 15); save it as UTF-8`]);
  });

  test('rejects an overlong encoding of "/" as invalid UTF-8', async () => {
    const { file, lines } = await checkFile('overlong.yaml', bytes('name: a', [0xc0, 0xaf], 'b\n'));
    expect(lines).toEqual([`${file}:1:8: file is not valid UTF-8 (byte 0xC0 at offset 7); save it as UTF-8`]);
  });

  test('reports a NUL byte at its position', async () => {
    const { file, lines } = await checkFile('nul.yaml', 'name: nul\ndescription: "a\0b"\n');
    expect(lines).toEqual([`${file}:2:16: file contains a NUL byte, so it is binary rather than YAML text; check that this is the right file`]);
  });

  test('reports other control characters at their position', async () => {
    const { file, lines } = await checkFile('esc.yaml', 'name: esc\u001b[31m\n');
    expect(lines).toEqual([`${file}:1:10: file contains the control character U+001B, which YAML does not allow; remove it`]);
  });

  test('accepts a UTF-8 byte-order mark and counts columns after it', async () => {
    const { lines, result } = await checkFile('bom.yaml', `\uFEFF${validEntry('bom')}`);
    expect(lines).toEqual([]);
    expect(result.entry?.name).toBe('bom');
  });
});

describe('YAML structure', () => {
  test('reports a YAML syntax error at its position', async () => {
    const { file, lines, codes } = await checkFile('syntax.yaml', 'name: syntax\nsource: huggingface: { repo: a/b }\n');
    expect(codes).toEqual(['catalog/yaml-syntax']);
    expect(lines).toEqual([
      `${file}:2:9: invalid YAML (nested mappings are not allowed in compact mappings); check indentation and quoting here`,
    ]);
  });

  test('reports a duplicate key at the second occurrence and names the first line', async () => {
    const { file, lines } = await checkFile('dup.yaml', entryWithServing('dup', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', '  maxModelLen: 4096'));
    expect(lines).toEqual([`${file}:7:3: duplicate key 'maxModelLen' (first defined on line 5); remove one of them`]);
  });

  test('treats keys that differ only in quoting as duplicates', async () => {
    const { file, lines } = await checkFile('quoted.yaml', 'name: quoted\n"name": other\n');
    expect(lines).toEqual([`${file}:2:1: duplicate key 'name' (first defined on line 1); remove one of them`]);
  });

  test('rejects a 10,000-alias bomb at its first anchor without expanding it', async () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 1000; i++) lines.push(`a${i}: &a${i} [${Array<string>(10).fill(`*a${i - 1}`).join(', ')}]`);
    const content = `${lines.join('\n')}\n`;
    expect(content.match(/\*a/g)).toHaveLength(10_000);
    expect(content.length).toBeLessThan(MAX_ENTRY_FILE_BYTES);

    const checked = await checkFile('bomb.yaml', content);
    expect(checked.lines).toEqual([
      `${checked.file}:1:5: YAML anchors and aliases such as '&a0' are not allowed in a catalog entry; write each value out in full`,
    ]);
  });

  test('rejects a lone alias even when its anchor is missing', async () => {
    const { file, lines } = await checkFile('alias.yaml', 'name: alias\ndescription: *nowhere\n');
    expect(lines).toEqual([`${file}:2:14: YAML anchors and aliases such as '*nowhere' are not allowed in a catalog entry; write each value out in full`]);
  });

  test('rejects YAML tags and directives', async () => {
    const { file, lines } = await checkFile('tags.yaml', '%YAML 1.1\n---\nname: !!str tags\n');
    expect(lines).toEqual([
      `${file}:1:1: YAML directives such as '%YAML 1.1' are not allowed in a catalog entry; remove the line`,
      `${file}:3:7: YAML tags such as '!!str' are not allowed in a catalog entry; remove the tag and write the plain value`,
    ]);
  });

  test('rejects a second YAML document at its marker', async () => {
    const { file, lines } = await checkFile('two.yaml', `${validEntry('two')}---\n${validEntry('three')}`);
    expect(lines).toEqual([
      `${file}:9:1: file holds more than one YAML document, but a catalog entry is exactly one; remove the '---' and put each model in its own file`,
    ]);
  });

  test.each([
    ['an empty file', ''],
    ['a file with only comments', '# yaml-language-server: $schema=../model.schema.json\n# nothing yet\n'],
    ['a file with only a document marker', '---\n'],
  ])('reports %s at 1:1', async (_what, content) => {
    const { file, lines } = await checkFile('empty.yaml', content);
    expect(lines).toEqual([`${file}:1:1: file is empty; write a catalog entry with name, source and serving`]);
  });

  test('rejects a top level that is a list', async () => {
    const { file, lines } = await checkFile('list.yaml', '# a comment\n- name: list\n');
    expect(lines).toEqual([
      `${file}:2:1: the top level is a list, but a catalog entry is a mapping with name, source and serving; write it as key: value lines`,
    ]);
  });

  test('rejects a top level that is a plain string', async () => {
    const { file, lines } = await checkFile('scalar.yaml', 'just some text\n');
    expect(lines).toEqual([
      `${file}:1:1: the top level is the string 'just some text', but a catalog entry is a mapping with name, source and serving; write it as key: value lines`,
    ]);
  });

  test('rejects a key that is a list', async () => {
    const { file, lines } = await checkFile('complex.yaml', 'name: complex\n? [a, b]\n: 1\n');
    expect(lines).toEqual([
      `${file}:2:3: key is not a plain name (an empty key, or a list or mapping used as a key); write keys as plain words such as maxModelLen`,
    ]);
  });

  test('rejects deeply nested flow collections without overflowing the stack', async () => {
    const depth = 20_000;
    const { file, result } = await checkFile('deep.yaml', `name: deep\nx: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code: 'catalog/too-deep', location: { file, line: 2 } });
    expect(result.diagnostics[0].message).toBe('the YAML is nested too deeply to read; a catalog entry needs at most 16 levels');
  });

  test('rejects block nesting deeper than any entry needs at the first node too deep', async () => {
    const nested = Array.from({ length: 20 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    const { file, lines } = await checkFile('nested.yaml', `${nested} end\n`);
    expect(lines).toEqual([`${file}:17:33: value is nested more than 16 levels deep; a catalog entry needs no more than 4`]);
  });

  test('caps the problems reported for one file and says how many more there are', async () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}: 1`).join('\n');
    const { result } = await checkFile('many.yaml', `${validEntry('many')}${keys}\n`);
    expect(result.diagnostics).toHaveLength(51);
    expect(result.diagnostics[50]).toMatchObject({
      code: 'catalog/too-many-problems',
      message: '1950 more problems in this file are not shown; fix the ones above and check again',
      location: { line: 59, column: 1 },
    });
  });
});

describe('hostile values', () => {
  test.each([
    ['99999999999', 'serving.maxModelLen is 99999999999, out of range; set it between 256 and 1048576'],
    ['-8192', 'serving.maxModelLen is -8192, out of range; set it between 256 and 1048576'],
    ['0', 'serving.maxModelLen is 0, out of range; set it between 256 and 1048576'],
    ['8192.5', 'serving.maxModelLen must be a whole number, not 8192.5; drop the fraction'],
    ['.inf', 'serving.maxModelLen must be a whole number, not .inf; write a finite value'],
    ['-.inf', 'serving.maxModelLen must be a whole number, not -.inf; write a finite value'],
    ['.nan', 'serving.maxModelLen must be a whole number, not .nan; write a finite value'],
    ['1e400', 'serving.maxModelLen must be a whole number, not .inf; write a finite value'],
    ['"8192"', "serving.maxModelLen must be a whole number, not the string '8192'; remove the quotes"],
    ['eight', "serving.maxModelLen must be a whole number, not the string 'eight'; write it like maxModelLen: 8192"],
    ['true', 'serving.maxModelLen must be a whole number, not true; write it like maxModelLen: 8192'],
    ['[8192]', 'serving.maxModelLen must be a whole number, not a list; write it like maxModelLen: 8192'],
  ])('rejects maxModelLen: %s at the value', async (value, message) => {
    const { file, lines } = await checkFile('numbers.yaml', entryWithServing('numbers', `  maxModelLen: ${value}`, '  gpu: { type: L4, count: 1 }'));
    expect(lines).toEqual([`${file}:5:16: ${message}`]);
  });

  test("rejects a path-like name such as '../x' with the name rule", async () => {
    const { file, lines, codes } = await checkFile('x.yaml', validEntry('../x'));
    expect(codes).toEqual(['catalog/invalid-name']);
    expect(lines).toEqual([
      `${file}:1:7: name '../x' is not a valid DNS-1035 label because it contains '/', so it looks like a path, but a name is a single label; use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (for example 'x')`,
    ]);
  });

  test("rejects a name with a slash such as 'a/b'", async () => {
    const { file, lines } = await checkFile('a-b.yaml', validEntry('a/b'));
    expect(lines).toEqual([
      `${file}:1:7: name 'a/b' is not a valid DNS-1035 label because it contains '/', so it looks like a path, but a name is a single label; use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (for example 'a-b')`,
    ]);
  });

  test('reports a __proto__ key as an unknown field and never touches the prototype', async () => {
    const { file, lines } = await checkFile('proto.yaml', `${validEntry('proto')}__proto__: { polluted: true }\n`);
    expect(lines).toEqual([`${file}:9:1: unknown field '__proto__' in the entry; remove it, or use one of name, description, source, serving, staging`]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('keeps every message on one line and short, whatever the key contains', async () => {
    const { result } = await checkFile('weird.yaml', `${validEntry('weird')}"evil\\nkey\\u2028${'x'.repeat(500)}": 1\n`);
    expect(result.diagnostics).toHaveLength(1);
    const [line] = result.diagnostics.map(formatDiagnostic);
    expect(line).not.toMatch(/[\n\r\u2028]/);
    expect(line).toContain("unknown field 'evil\\u000akey\\u2028xxx");
    expect(line.length).toBeLessThan(400);
  });

  test('never prints the credentials of a URL it rejects', async () => {
    const content = ['name: creds', 'source:', '  url: { url: "https://user:s3cret@example.com/w.tar" }', 'serving:', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', ''].join('\n');
    const { lines } = await checkFile('creds.yaml', content);
    expect(lines.join('\n')).not.toContain('s3cret');
  });
});
