import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Lua 5.1 interpreter: gopher-lua, the Lua of Argo CD, implements Lua 5.1. */
const LUA = 'lua5.1';
const DEBIAN_BINARY = `/usr/bin/${LUA}`;
let binary: string | undefined;

/**
 * The Lua 5.1 interpreter, installed with apt-get when missing and running as root (the way the Ceph
 * script installs its daemons), else an error that says what to install.
 */
export function lua51(): string {
  if (binary) return binary;
  if (spawnSync(LUA, ['-v']).status === 0) return (binary = LUA);
  if (!existsSync(DEBIAN_BINARY)) {
    if (process.getuid?.() !== 0) throw new Error(`Lua 5.1 is needed to run the Argo CD health checks: sudo apt-get install ${LUA}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // apt's own lock, waited for: test files in parallel may install at once
    const apt = (...args: string[]) => execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=120', ...args], { env, stdio: 'pipe', timeout: 600_000 });
    apt('update', '-qq');
    apt('install', '-y', '-qq', LUA);
  }
  return (binary = DEBIAN_BINARY);
}

/**
 * Runs `chunk` (Lua source that returns a string) in Lua 5.1 with only what Argo CD's health-check VM
 * has: the base library, table, string, math and its safe os (time and date). Anything else (io,
 * os.execute, require, debug, coroutine, 5.2+ syntax such as goto or //) fails as it would in Argo CD.
 * Returns the chunk's string; throws with Lua's message when the chunk fails.
 */
export function runArgoCdLua(chunk: string): string {
  const harness = `
local source = io.read('*a')
local env = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall, print = print,
  rawequal = rawequal, rawget = rawget, rawset = rawset, select = select, getmetatable = getmetatable,
  setmetatable = setmetatable, tonumber = tonumber, tostring = tostring, type = type, unpack = unpack,
  xpcall = xpcall, _VERSION = _VERSION,
  table = table, string = string, math = math,
  os = { time = os.time, date = os.date },
}
env._G = env
local fn, err = loadstring(source, 'health.lua')
if not fn then io.stderr:write(err, '\\n') os.exit(2) end
setfenv(fn, env)
local ok, result = pcall(fn)
if not ok then io.stderr:write(tostring(result), '\\n') os.exit(1) end
io.write(tostring(result))
`;
  const run = spawnSync(lua51(), ['-e', harness], { input: chunk, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`Lua 5.1 (Argo CD's sandbox): ${run.stderr.trim() || `exit ${run.status}`}`);
  return run.stdout;
}
