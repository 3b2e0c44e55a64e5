import type { SourceFile } from './types.js';
import { isConsolidatedSafetensors, preferredSafetensors } from '../staged/weight-format.js';

/** Turns a glob (`*`, `**`, `?`, `{a,b}`) into an anchored RegExp over POSIX paths. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {out += '[^/]*';}
    } else if (c === '?') {out += '[^/]';} else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) {out += '\\{';} else {
        out += `(?:${glob.slice(i + 1, close).split(',').map((part) => part.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|')})`;
        i = close;
      }
    } else {out += c.replace(/[.+^$()|[\]\\]/g, '\\$&');}
  }
  // a pattern without a slash matches the base name anywhere, as .gitignore does
  return new RegExp(glob.includes('/') ? `^${out}$` : `^(?:.*/)?${out}$`);
}

const CONFIG = /^(?:config\.json|generation_config\.json|params\.json|preprocessor_config\.json|processor_config\.json|chat_template\.(?:json|jinja))$/;
const TOKENIZER = /^(?:tokenizer(?:_config)?\.json|tokenizer\.model(?:\.v\d+)?|tekken\.json|special_tokens_map\.json|added_tokens\.json|vocab\.(?:json|txt)|merges\.txt|.*\.tiktoken)$/;
const OTHER_WEIGHTS = /\.(?:bin|pth|pt|gguf|ckpt|h5|msgpack|onnx|onnx_data|ot|tflite)$/;

export interface SelectOptions {
  /** when given, replaces the default selection: a file is staged when any glob matches */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

interface Selection {
  readonly files: SourceFile[];
  /** one line per decision worth telling a person (which weight format won, what was dropped) */
  readonly notes: string[];
}

/**
 * The files vLLM reads, in one weight format: config, tokenizer, `*.safetensors` + index. Sharded
 * `model-*.safetensors` win over `consolidated.safetensors`; no `.bin`/`.pth`/`.gguf`/`original/`
 * when safetensors exist (the Run:ai streamer loads every `*.safetensors` under the prefix).
 */
export function selectFiles(files: readonly SourceFile[], options: SelectOptions = {}): Selection {
  const notes: string[] = [];
  const exclude = (options.exclude ?? []).map(globToRegExp);
  let chosen: SourceFile[];
  if (options.include && options.include.length > 0) {
    const include = options.include.map(globToRegExp);
    chosen = files.filter((f) => include.some((re) => re.test(f.path)));
  } else {
    chosen = defaultSelection(files, notes);
  }
  chosen = chosen.filter((f) => !exclude.some((re) => re.test(f.path)));
  chosen.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: chosen, notes };
}

function defaultSelection(files: readonly SourceFile[], notes: string[]): SourceFile[] {
  const top = files.filter((f) => !f.path.startsWith('original/') && !f.path.startsWith('.'));
  const base = (f: SourceFile) => f.path.slice(f.path.lastIndexOf('/') + 1);
  const meta = top.filter((f) => CONFIG.test(base(f)) || TOKENIZER.test(base(f)));
  const index = top.filter((f) => f.path.endsWith('.safetensors.index.json'));
  const { chosen: safetensors, leftOut } = preferredSafetensors(top);
  let weights: SourceFile[];
  if (safetensors.length > 0 && !isConsolidatedSafetensors(safetensors[0]!.path)) {
    weights = [...safetensors, ...index.filter((f) => !base(f).startsWith('consolidated'))];
    if (leftOut.length > 0) notes.push(`staging ${safetensors.length} sharded safetensors file(s); leaving out ${leftOut.map((f) => f.path).join(', ')} (one weight format per prefix)`);
  } else if (safetensors.length > 0) {
    weights = [...safetensors, ...index];
  } else {
    weights = top.filter((f) => OTHER_WEIGHTS.test(f.path));
    if (weights.length > 0) notes.push(`no safetensors in the source; staging ${weights.length} file(s) in another weight format`);
  }
  const dropped = files.filter((f) => OTHER_WEIGHTS.test(f.path) && !weights.includes(f)).length;
  if (dropped > 0 && weights.some((f) => f.path.endsWith('.safetensors'))) notes.push(`leaving out ${dropped} non-safetensors weight file(s)`);
  const seen = new Set<string>();
  return [...meta, ...weights].filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
}
