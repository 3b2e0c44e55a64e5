import { spawnSync } from 'node:child_process';
import { debianProgram } from './debian.js';

/** Debian's Lua 5.1 interpreter: gopher-lua, the Lua of Argo CD, implements Lua 5.1. */
const LUA = 'lua5.1';
let binary: string | undefined;

/** The Lua 5.1 interpreter: the one on PATH, else Debian's, installed when missing (debian.ts). */
export function lua51(): string {
  if (binary) return binary;
  if (spawnSync(LUA, ['-v']).status === 0) return (binary = LUA);
  return (binary = debianProgram(LUA, `/usr/bin/${LUA}`, 'to run the Argo CD health checks'));
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
