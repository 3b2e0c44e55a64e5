interface CommitMessageInput {
  /** every model in the rendered tree */
  readonly models: readonly string[];
  /** the image reference the tree pins (repo@sha256:…) */
  readonly image: string;
}

const SUBJECT_LIMIT = 100;

/**
 * The commit-back message: a subject naming the models and the image, and a body with the full
 * image reference and one model per line. Sorted, no timestamps: the same render gives the same message.
 */
export function commitBackMessage(input: CommitMessageInput): string {
  const models = [...new Set(input.models)].sort();
  const image = shortImage(input.image);
  const subject = `render ${nameList(models, SUBJECT_LIMIT - `render  with ${image}`.length)} with ${image}`;
  return [subject, '', `Image: ${input.image}`, `Models (${models.length}):`, ...models.map((model) => `- ${model}`), ''].join('\n');
}

function nameList(models: readonly string[], room: number): string {
  if (models.length === 0) return 'no models';
  for (let shown = models.length; shown > 1; shown -= 1) {
    const rest = models.length - shown;
    const text = models.slice(0, shown).join(', ') + (rest > 0 ? ` and ${rest} more` : '');
    if (text.length <= room) return text;
  }
  return models.length === 1 ? models[0]! : `${models[0]} and ${models.length - 1} more`;
}

/** `ray-vllm@sha256:0123456789ab` from `123456789012.dkr.ecr…/ray-vllm@sha256:0123…`. */
function shortImage(ref: string): string {
  const last = ref.slice(ref.lastIndexOf('/', ref.includes('@') ? ref.indexOf('@') : ref.length) + 1);
  return last.replace(/@sha256:([0-9a-f]{12})[0-9a-f]*$/, '@sha256:$1');
}
