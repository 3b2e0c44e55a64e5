import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A program from one of Debian's packages, installed with apt-get when missing and running as root (the
 * way the Ceph script installs its daemons), else an error that says what to install: `npm test` needs
 * nothing installed beforehand.
 */
export function debianProgram(pkg: string, path: string, neededFor: string): string {
  if (existsSync(path)) return path;
  if (process.getuid?.() !== 0) throw new Error(`${path} is needed ${neededFor}: sudo apt-get install ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // apt's own lock, waited for: test files in parallel may install at once
  const apt = (...args: string[]) => execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=120', ...args], { env, stdio: 'pipe', timeout: 600_000 });
  apt('update', '-qq');
  apt('install', '-y', '-qq', pkg);
  if (!existsSync(path)) throw new Error(`apt-get installed ${pkg} but ${path} is still missing`);
  return path;
}
