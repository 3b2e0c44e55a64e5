import { SimpleSchemaError } from './errors.js';
import type { JsonSchemaProps } from './openapi.js';
import { simpleSchemaToOpenApi } from './simple-schema.js';

/** `spec.schema` of a ResourceGraphDefinition: the API kro serves for its instances. */
export interface RgdSchema {
  readonly apiVersion: string;
  readonly kind: string;
  /** API group; kro defaults it to `kro.run` */
  readonly group?: string;
  readonly spec?: Record<string, unknown>;
  readonly types?: Record<string, unknown>;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string };
    scope: 'Namespaced';
    versions: {
      name: string;
      served: true;
      storage: true;
      schema: { openAPIV3Schema: JsonSchemaProps };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

interface PrinterColumn {
  name: string;
  type: string;
  description: string;
  jsonPath: string;
}

export const KRO_DEFAULT_GROUP = 'kro.run';

/** Columns kro adds to every instance CRD that declares none. */
const KRO_DEFAULT_PRINTER_COLUMNS: readonly PrinterColumn[] = [
  { name: 'State', type: 'string', description: 'The state of a ResourceGraphDefinition instance', jsonPath: '.status.state' },
  { name: 'Ready', type: 'string', description: 'Whether a ResourceGraphDefinition instance is ready', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Age', type: 'date', description: 'Age of the resource', jsonPath: '.metadata.creationTimestamp' },
];

/** The `status` kro gives every instance, before the fields the RGD's status expressions add. */
function kroDefaultStatusSchema(): JsonSchemaProps {
  const string = { type: 'string' };
  return {
    type: 'object',
    properties: {
      conditions: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            lastTransitionTime: { ...string },
            message: { ...string },
            observedGeneration: { type: 'integer' },
            reason: { ...string },
            status: { ...string },
            type: { ...string },
          },
        },
      },
      state: { ...string },
    },
  };
}

const KIND_PATTERN = /^[A-Z][a-zA-Z0-9]{0,62}$/;
const VERSION_PATTERN = /^v[0-9]+(alpha[0-9]+|beta[0-9]+)?$/;

/**
 * The CustomResourceDefinition kro synthesizes for an RGD's instances (kro's `SynthesizeCRD`):
 * `<plural>.<group>`, namespaced, one served and stored version with the status subresource.
 * `status` types come from the RGD's status expressions, which kro infers by type-checking CEL; pass
 * them as `status` when you need them (the default status fields are always there).
 */
export function instanceCrd(schema: RgdSchema, status: Record<string, JsonSchemaProps> = {}): CustomResourceDefinition {
  if (!KIND_PATTERN.test(schema.kind)) throw new SimpleSchemaError(`'${schema.kind}' is not a valid kro kind name: start with an uppercase letter, then letters and digits, at most 63`);
  if (!VERSION_PATTERN.test(schema.apiVersion)) throw new SimpleSchemaError(`invalid apiVersion format '${schema.apiVersion}': use v1, v1alpha1, v2beta3 …`);
  const group = schema.group ?? KRO_DEFAULT_GROUP;
  const singular = schema.kind.toLowerCase();
  const plural = pluralize(singular);
  const statusSchema = kroDefaultStatusSchema();
  statusSchema.properties = { ...status, ...statusSchema.properties };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: { kind: schema.kind, listKind: `${schema.kind}List`, plural, singular },
      scope: 'Namespaced',
      versions: [
        {
          name: schema.apiVersion,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: simpleSchemaToOpenApi(schema.spec ?? {}, schema.types ?? {}),
                status: statusSchema,
              },
            },
          },
          subresources: { status: {} },
          additionalPrinterColumns: KRO_DEFAULT_PRINTER_COLUMNS.map((column) => ({ ...column })),
        },
      ],
    },
  };
}

/** English plural of a lowercase kind, the cases flect (kro's library) gets right for API kinds. */
export function pluralize(word: string): string {
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}
