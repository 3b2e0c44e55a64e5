import { describe, expect, test } from 'vitest';
import { computeModelNameLimit, DERIVED_NAMES, deriveNames, MODEL_NAME_LIMIT } from '../../src/catalog/derived-names.js';

describe('derived names', () => {
  test('limits model names to 47 characters, bound by the RayService name', () => {
    expect(MODEL_NAME_LIMIT.limit).toBe(47);
    expect(MODEL_NAME_LIMIT.binding.role).toBe('rayService');
  });

  test('keeps every derived name within its own limit at the computed model-name limit', () => {
    const names = deriveNames('m'.repeat(MODEL_NAME_LIMIT.limit));
    for (const derived of DERIVED_NAMES) expect(names[derived.role].length).toBeLessThanOrEqual(derived.maxLength);
  });

  test('derives every Kubernetes name from the model name', () => {
    expect(deriveNames('qwen2-5-7b-instruct')).toEqual({
      rayService: 'qwen2-5-7b-instruct',
      kroInstance: 'qwen2-5-7b-instruct',
      serviceAccount: 'qwen2-5-7b-instruct-model-reader',
      argoApplication: 'model-qwen2-5-7b-instruct',
    });
  });

  test('moves the limit to whichever derived name gets tight first', () => {
    const longSuffix = { role: 'serviceAccount', object: 'ServiceAccount', template: '{name}-a-very-long-suffix-for-reading-models', maxLength: 63, reason: 'test' } as const;
    expect(computeModelNameLimit([...DERIVED_NAMES, longSuffix])).toEqual({ limit: 63 - 38, binding: longSuffix });
  });
});
