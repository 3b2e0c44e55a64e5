import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors/errors.js';
import { DEFAULT_SCHEMA_LOCATION, makeSignature, parseLocationTemplate, templateData } from '../../src/validate/index.js';

const data = (apiVersion: string, kind: string, strict = false, kubernetesVersion = 'master') =>
  templateData({ signature: makeSignature(apiVersion, kind), strict, kubernetesVersion });

describe('kubeconform-style schema locations', () => {
  test('every template field, as kubeconform fills it', () => {
    const template = parseLocationTemplate(
      '/s/{{ .Group }}/{{.ResourceKind}}_{{ .ResourceAPIVersion }}/{{ .KubernetesVersion }}/{{ .NormalizedKubernetesVersion }}{{ .StrictSuffix }}{{ .KindSuffix }}.json',
    );
    expect(template.expand(data('sagemaker.aws.amazon.com/v1', 'TrainingJob', true, '1.31.0'))).toBe(
      '/s/sagemaker.aws.amazon.com/trainingjob_v1/1.31.0/v1.31.0-strict-sagemaker-v1.json',
    );
    // kubeconform's quirk: for the core group, Group is the version
    expect(template.expand(data('v1', 'ConfigMap'))).toBe('/s/v1/configmap_v1/master/master-v1.json');
    expect(template.expand(data('ray.io/v1', 'RayService'))).toBe('/s/ray.io/rayservice_v1/master/master-ray-v1.json');
  });

  test('`default` is kubeconform\'s URL; a location not ending in json gets kubernetes-json-schema\'s layout', () => {
    expect(parseLocationTemplate('default').template).toBe(DEFAULT_SCHEMA_LOCATION);
    expect(parseLocationTemplate('default').expand(data('apps/v1', 'Deployment', true, '1.30.2'))).toBe(
      'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/v1.30.2-standalone-strict/deployment-apps-v1.json',
    );
    expect(parseLocationTemplate('schemas/').expand(data('v1', 'Service'))).toBe('schemas/master-standalone/service-v1.json');
  });

  test('unknown fields and unbalanced braces are usage errors', () => {
    expect(() => parseLocationTemplate('foo {{ .Foo }}')).toThrow(UsageError);
    expect(() => parseLocationTemplate('foo {{ .Foo }}')).toThrow("failed initialising schema location 'foo {{ .Foo }}': unknown template field '.Foo'");
    expect(() => parseLocationTemplate('x/{{ .ResourceKind.json')).toThrow("'{{' without a matching '}}'");
  });
});
