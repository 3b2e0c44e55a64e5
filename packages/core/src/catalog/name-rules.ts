/**
 * Why a model name is not a DNS-1035 label (lowercase letters, digits and '-', starting with a letter,
 * ending with a letter or digit), as a clause after "…because it"; undefined when it is one.
 * Length is checked separately, against derived-names.ts.
 */
export function dnsLabelProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  const separator = /[/\\]/.exec(name);
  if (separator !== null) return `contains '${separator[0]}', so it looks like a path, but a name is a single label`;
  if (/[A-Z]/.test(name)) return 'contains uppercase letters';
  const bad = /[^-a-z0-9]/.exec(name);
  if (bad !== null) return `contains ${describeCharacter(bad[0])}`;
  if (!/^[a-z]/.test(name)) return 'does not start with a letter';
  if (name.endsWith('-')) return "ends with '-'";
  return undefined;
}

/**
 * A valid label close to `name` (lowercased, runs of other characters turned into one '-', no '-' at
 * either end), or undefined; a name starting with a digit gets none, since any fix would be a guess.
 */
export function suggestDnsLabel(name: string): string | undefined {
  const candidate = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return candidate !== '' && candidate !== name && dnsLabelProblem(candidate) === undefined ? candidate : undefined;
}

function describeCharacter(ch: string): string {
  if (ch === ' ') return 'a space';
  if (ch === '.') return "'.'";
  return /[\x21-\x7e]/.test(ch) ? `'${ch}'` : `the character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
