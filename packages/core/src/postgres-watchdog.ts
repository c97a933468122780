import { spawn } from 'node:child_process';

/**
 * A tiny process that outlives nothing: it holds the read end of a pipe from the process that
 * started PostgreSQL and, when that process is gone (exited, crashed or SIGKILLed, the kernel
 * closes the pipe), tells the postmaster to shut down (SIGINT, PostgreSQL's "fast" shutdown) —
 * unless the data directory has since been taken over by another server. A clean stop kills the
 * watchdog first, so draining services keep their database until they are done.
 */
const WATCHDOG = `
const { readFileSync } = require('node:fs');
const [, pidFile, postmaster] = process.argv;
let fired = false;
function fire() {
  if (fired) return;
  fired = true;
  try {
    if (readFileSync(pidFile, 'utf8').split('\\n')[0].trim() === postmaster) process.kill(Number(postmaster), 'SIGINT');
  } catch {}
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGHUP', 'SIGQUIT']) process.on(signal, () => undefined);
process.stdin.on('end', fire);
process.stdin.on('close', fire);
process.stdin.on('error', fire);
process.stdin.resume();
`;

export interface PostgresWatchdog {
  /** The owner stops PostgreSQL itself: end the watchdog without firing. */
  release(): void;
  pid: number | undefined;
}

export function startPostgresWatchdog(pidFile: string, postmasterPid: number): PostgresWatchdog {
  // Own session (detached): the terminal's Ctrl-C must not reach it before the services drain.
  const child = spawn(process.execPath, ['-e', WATCHDOG, pidFile, String(postmasterPid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
  });
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  // Neither the child nor our end of the pipe keeps this process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    pid: child.pid,
    release() {
      child.kill('SIGKILL');
    },
  };
}
