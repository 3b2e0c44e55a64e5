import { lua51, runArgoCdLua } from '@ray-gitops/testkit/lua';
import { beforeAll, describe, expect, test } from 'vitest';
import { healthCheckData } from '../../src/render/index.js';

function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  return `{${Object.entries(value).map(([key, item]) => `[${JSON.stringify(key)}] = ${luaLiteral(item)}`).join(', ')}}`;
}

/** Runs a health check as Argo CD does: `obj` is the live resource, the script returns {status, message}. */
function health(kindKey: string, obj: unknown): { status: string; message: string } {
  const script = healthCheckData()[`resource.customizations.health.${kindKey}`];
  if (script === undefined) throw new Error(`no health check for ${kindKey}`);
  const program = `obj = ${luaLiteral(obj)}\nlocal function check()\n${script}\nend\nlocal hs = check()\nreturn hs.status .. "\\n" .. (hs.message or "")`;
  const [status, ...message] = runArgoCdLua(program).split('\n');
  return { status: status!, message: message.join('\n') };
}

const ready = (status: 'True' | 'False', message = '') => ({ type: 'Ready', status, message, reason: 'R' });

describe('Argo CD health checks (run in Lua 5.1 with only the libraries Argo CD gives them)', () => {
  beforeAll(() => {
    lua51();
  });

  test('RayService: Progressing until Ready, Degraded when a Serve application fails', () => {
    expect(health('ray.io_RayService', {}).status).toBe('Progressing');
    expect(health('ray.io_RayService', { status: { conditions: [ready('False', 'Waiting for the Serve applications')] } })).toEqual({ status: 'Progressing', message: 'Waiting for the Serve applications' });
    expect(health('ray.io_RayService', { status: { conditions: [ready('True', 'serving')] } }).status).toBe('Healthy');
    expect(
      health('ray.io_RayService', {
        status: { conditions: [ready('False')], activeServiceStatus: { applicationStatuses: { llm: { status: 'DEPLOY_FAILED', message: 'CUDA out of memory' } } } },
      }),
    ).toEqual({ status: 'Degraded', message: 'Serve application llm is DEPLOY_FAILED: CUDA out of memory' });
  });

  test('RayCluster follows its state', () => {
    expect(health('ray.io_RayCluster', { status: { state: 'ready' } }).status).toBe('Healthy');
    expect(health('ray.io_RayCluster', { status: { state: 'failed', reason: 'head pod failed' } })).toEqual({ status: 'Degraded', message: 'head pod failed' });
    expect(health('ray.io_RayCluster', {}).status).toBe('Progressing');
  });

  test('the RGD is Healthy once Active, Degraded with kro’s reason otherwise', () => {
    expect(health('kro.run_ResourceGraphDefinition', { status: { state: 'Active' } }).status).toBe('Healthy');
    expect(health('kro.run_ResourceGraphDefinition', { status: { state: 'Inactive', conditions: [{ type: 'GraphVerified', status: 'False', message: 'schema not found' }] } })).toEqual({
      status: 'Degraded',
      message: 'schema not found',
    });
  });

  test('an LLMService instance follows kro’s state and Ready condition', () => {
    expect(health('ray-gitops.io_LLMService', {}).status).toBe('Progressing');
    expect(health('ray-gitops.io_LLMService', { status: { state: 'ACTIVE', conditions: [ready('True')] } }).status).toBe('Healthy');
    expect(health('ray-gitops.io_LLMService', { status: { state: 'IN_PROGRESS', conditions: [ready('False', 'rayServiceStream not ready')] } })).toEqual({
      status: 'Progressing',
      message: 'rayServiceStream not ready',
    });
    expect(health('ray-gitops.io_LLMService', { status: { state: 'ERROR', conditions: [{ type: 'ResourcesReady', status: 'False', message: 'quota exceeded' }] } })).toEqual({
      status: 'Degraded',
      message: 'quota exceeded',
    });
  });

  test('Applications report their own health, so sync waves of an app of apps wait for it', () => {
    expect(health('argoproj.io_Application', { status: { health: { status: 'Healthy' } } }).status).toBe('Healthy');
    expect(health('argoproj.io_Application', {}).status).toBe('Progressing');
  });

  test('the sandbox is Argo CD’s: Lua 5.1 syntax and only base, table, string, math and a safe os', () => {
    expect(runArgoCdLua('return string.format("%d %s", math.floor(7 / 2), type(os.time()))')).toBe('3 number');
    // integer division and goto came with Lua 5.3 and 5.2: gopher-lua rejects them, so must the test
    expect(() => runArgoCdLua('return tostring(7 // 2)')).toThrow(/Lua 5.1/);
    expect(() => runArgoCdLua('goto done ::done:: return "x"')).toThrow(/Lua 5.1/);
    // Argo CD gives a health check no files, no processes, no modules
    expect(() => runArgoCdLua('return io.read()')).toThrow(/io/);
    expect(() => runArgoCdLua('return os.execute("true")')).toThrow(/execute/);
    expect(() => runArgoCdLua('return debug.traceback()')).toThrow(/debug/);
  });
});
