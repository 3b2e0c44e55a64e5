import type { SchemaRequest } from './source.js';
import { UsageError } from '../../errors/errors.js';

/** kubeconform's default: its fork of kubernetes-json-schema on GitHub (needs the network, or a --cache). */
export const DEFAULT_SCHEMA_LOCATION =
  'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json';

const FIELDS = [
  'Group',
  'ResourceKind',
  'ResourceAPIVersion',
  'KubernetesVersion',
  'NormalizedKubernetesVersion',
  'StrictSuffix',
  'KindSuffix',
] as const;
type Field = (typeof FIELDS)[number];
export type LocationTemplateData = Readonly<Record<Field, string>>;

type Part = string | { readonly field: Field };

/** A parsed `--schema-location`, expanded per resource. */
interface LocationTemplate {
  /** the location as given */
  readonly location: string;
  /** the template actually used (after `default` and the kubeconform directory shorthand) */
  readonly template: string;
  expand(data: LocationTemplateData): string;
}

/**
 * Parses a kubeconform-style schema location. `default` is kubeconform's default URL; a location not
 * ending in `json` is a base directory or URL in kubernetes-json-schema's layout, to which
 * `/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`
 * is appended, as kubeconform does. Fields are written `{{ .Name }}` (spaces optional); anything else
 * between braces is a usage error, found before any file is read.
 */
export function parseLocationTemplate(location: string): LocationTemplate {
  let template = location;
  if (location === 'default') {template = DEFAULT_SCHEMA_LOCATION;} else if (!location.endsWith('json')) {
    template = `${location.replace(/\/+$/, '')}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
  }
  const parts: Part[] = [];
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      if (rest.includes('}}')) throw templateError(location, "'}}' without a matching '{{'");
      parts.push(rest);
      break;
    }
    if (open > 0) parts.push(rest.slice(0, open));
    const close = rest.indexOf('}}', open);
    if (close < 0) throw templateError(location, "'{{' without a matching '}}'");
    const inner = rest.slice(open + 2, close).trim();
    const match = /^\.(\w+)$/.exec(inner);
    if (!match || !(FIELDS as readonly string[]).includes(match[1]!)) {
      throw templateError(location, `unknown template field '${inner}'; use one of ${FIELDS.map((f) => `{{ .${f} }}`).join(', ')}`);
    }
    parts.push({ field: match[1] as Field });
    rest = rest.slice(close + 2);
  }
  return {
    location,
    template,
    expand: (data) => parts.map((part) => (typeof part === 'string' ? part : data[part.field])).join(''),
  };
}

function templateError(location: string, problem: string): UsageError {
  return new UsageError(`failed initialising schema location '${location}': ${problem}`);
}

/** The values kubeconform puts in a location template for one resource (its quirks included). */
export function templateData(request: SchemaRequest): LocationTemplateData {
  const { apiVersion, kind } = request.signature;
  const groupParts = apiVersion.split('/');
  const firstLabel = groupParts[0]!.split('.')[0]!;
  let kindSuffix = `-${firstLabel.toLowerCase()}`;
  if (groupParts.length > 1) kindSuffix += `-${groupParts[1]!.toLowerCase()}`;
  const version = request.kubernetesVersion;
  return {
    // kubeconform passes the part before '/', so the core group reads `v1`
    Group: groupParts[0]!,
    ResourceKind: kind.toLowerCase(),
    ResourceAPIVersion: groupParts[groupParts.length - 1]!,
    KubernetesVersion: version,
    NormalizedKubernetesVersion: version === 'master' ? 'master' : `v${version}`,
    StrictSuffix: request.strict ? '-strict' : '',
    KindSuffix: kindSuffix,
  };
}

/** `master` or a full x.y.z version, as kubeconform requires. */
export function checkKubernetesVersion(version: string): string {
  if (version === 'master' || /^\d+\.\d+\.\d+$/.test(version)) return version;
  throw new UsageError(
    `invalid --kubernetes-version '${version}': use "master" (the default) or a full version x.y.z (e.g. "1.31.0")`,
  );
}
