// How check findings are switched off: a global list, a file comment, a resource annotation.

/** The annotation that switches rules off for one resource (or one RGD template): comma-separated ids. */
export const DISABLE_RULES_ANNOTATION = 'ray-gitops.io/disable-rules';

/** `# ray-gitops:disable policy/image-digest, policy/host-path` anywhere in a file: off for the whole file. */
const FILE_DIRECTIVE = /^[ \t]*#[ \t]*ray-gitops:disable(?:-file)?[ \t]*[= \t]([^\n]*)$/gm;

/** Rule ids switched off by `# ray-gitops:disable …` comments in a file's text. */
export function fileDisabledRules(text: string): string[] {
  if (!text.includes('ray-gitops:disable')) return [];
  const ids: string[] = [];
  for (const match of text.matchAll(FILE_DIRECTIVE)) ids.push(...splitRuleIds(match[1]!));
  return ids;
}

export function splitRuleIds(text: string): string[] {
  return text.split(/[\s,]+/).map((id) => id.trim()).filter((id) => id !== '');
}

/** Whether a diagnostic code is switched off by an entry: the exact id, its prefix (`policy`) or its short name (`image-digest`). */
export function ruleDisabled(code: string, disabled: Iterable<string>): boolean {
  for (const entry of disabled) {
    if (code === entry || code.startsWith(`${entry}/`) || code.endsWith(`/${entry}`)) return true;
  }
  return false;
}

/** The ids in an object's `ray-gitops.io/disable-rules` annotation. */
export function annotationDisabledRules(object: unknown): string[] {
  const metadata = (object as { metadata?: { annotations?: Record<string, unknown> } } | null)?.metadata;
  const value = metadata?.annotations?.[DISABLE_RULES_ANNOTATION];
  return typeof value === 'string' ? splitRuleIds(value) : [];
}
