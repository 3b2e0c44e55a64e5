import type { Ajv } from 'ajv';

/**
 * The string formats the Kubernetes API server checks in CRD schemas (kube-openapi's strfmt set),
 * plus `duration` in both Go (`5m0s`) and ISO 8601 (`PT5M`) spelling, as kubeconform accepts.
 * Numeric formats (int32, int64, float, double) are annotations only, as on the server.
 * Any other format is ignored, as the server ignores it.
 */
const STRING_FORMATS: Readonly<Record<string, RegExp | ((value: string) => boolean)>> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  'datetime': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  'date': /^\d{4}-\d{2}-\d{2}$/,
  'duration': (value) => GO_DURATION.test(value) || ISO_DURATION.test(value),
  'byte': /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  'uri': isUri,
  'email': /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  'hostname': /^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/,
  'ipv4': /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/,
  'ipv6': (value) => /^[0-9a-fA-F:.]+$/.test(value) && value.includes(':') && isIpv6(value),
  'cidr': isCidr,
  'mac': /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/,
  'uuid': /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  'uuid3': /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?3[0-9a-fA-F]{3}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  'uuid4': /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?4[0-9a-fA-F]{3}-?[89abAB][0-9a-fA-F]{3}-?[0-9a-fA-F]{12}$/,
  'uuid5': /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?5[0-9a-fA-F]{3}-?[89abAB][0-9a-fA-F]{3}-?[0-9a-fA-F]{12}$/,
};

/** Numeric and other formats the server treats as documentation only. */
const ANNOTATION_FORMATS = ['int32', 'int64', 'float', 'double', 'password', 'binary', 'int-or-string', 'quantity'];

const GO_DURATION = /^[-+]?(0|(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const ISO_DURATION = /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

function isUri(value: string): boolean {
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    return false;
  }
}

function isIpv6(value: string): boolean {
  try {
    return new URL(`http://[${value}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

function isCidr(value: string): boolean {
  const slash = value.lastIndexOf('/');
  if (slash < 0) return false;
  const address = value.slice(0, slash);
  const bits = Number(value.slice(slash + 1));
  if (!/^\d{1,3}$/.test(value.slice(slash + 1))) return false;
  if (STRING_FORMATS_IPV4.test(address)) return bits <= 32;
  return isIpv6(address) && bits <= 128;
}
const STRING_FORMATS_IPV4 = STRING_FORMATS.ipv4 as RegExp;

/** Registers the Kubernetes formats on an ajv instance. */
/** The format checks by name, as functions: what ajv calls, and what cached standalone validators are given. */
export const FORMAT_CHECKS: Readonly<Record<string, (value: string) => boolean>> = Object.fromEntries(
  Object.entries(STRING_FORMATS).map(([name, check]) => [name, check instanceof RegExp ? (value: string) => check.test(value) : check]),
);

export function addKubernetesFormats(ajv: Ajv): void {
  for (const [name, check] of Object.entries(FORMAT_CHECKS)) {
    ajv.addFormat(name, { type: 'string', validate: check });
  }
  for (const name of ANNOTATION_FORMATS) ajv.addFormat(name, true);
}
