import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { healthCheckData } from '../../src/render/index.js';

/** A Lua interpreter from Debian's lua5.4 (installed by .ci/run), as Argo CD runs health checks in Lua. */
const LUA = ['lua5.4', 'lua5.3', 'lua'].find((binary) => spawnSync(binary, ['-v']).status === 0);

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
  const program = `obj = ${luaLiteral(obj)}\nlocal function check()\n${script}\nend\nlocal hs = check()\nio.write(hs.status, "\\n", hs.message or "")`;
  const [status, ...message] = execFileSync(LUA!, ['-'], { input: program, encoding: 'utf8' }).split('\n');
  return { status: status!, message: message.join('\n') };
}

const ready = (status: 'True' | 'False', message = '') => ({ type: 'Ready', status, message, reason: 'R' });

describe('Argo CD health checks (run with Lua)', () => {
  beforeAll(() => {
    if (!LUA) throw new Error('a Lua interpreter is needed to run the Argo CD health checks: apt-get install lua5.4');
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
});
