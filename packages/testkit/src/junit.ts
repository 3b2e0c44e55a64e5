import { readFile } from 'node:fs/promises';
import { validateXML } from 'xmllint-wasm';
import { FIXTURES } from './paths.js';

/**
 * Checks JUnit XML against kubeconform's junit.xsd with libxml2's xmllint, compiled to WebAssembly
 * (xmllint-wasm): the same schema validator as Debian's xmllint, with nothing to install.
 */
export async function assertValidJunit(xml: string): Promise<void> {
  const schema = await readFile(`${FIXTURES}junit.xsd`, 'utf8');
  const result = await validateXML({ xml: [{ fileName: 'out.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
  if (!result.valid) throw new Error(`the JUnit output does not match junit.xsd:\n${result.rawOutput.trim()}`);
}
