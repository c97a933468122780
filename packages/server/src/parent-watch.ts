import { readFileSync } from 'node:fs';
import { procStat as stat } from '@modelplane/core';

const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh']);

const parentOf = (pid: number): number | undefined => {
  const fields = stat(pid);
  return fields ? Number(fields[1]) : undefined;
};

function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Running, not a zombie waiting to be reaped (a killed npm stays one until its own parent reaps it). */
function alive(pid: number): boolean {
  const state = stat(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/**
 * `npm start` runs us as npm → sh → node. When npm is killed (even with SIGKILL) the shell and we
 * would live on as orphans holding the ports and the database; instead, once the process that
 * started us (npm, or our parent) is gone, `onGone` runs (a graceful shutdown). Linux only
 * (/proc); elsewhere, and for processes not started by an npm script, nothing is watched.
 */
export function watchLauncher(onGone: (pid: number) => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const watched = [parent];
  // The shell npm runs a script with: its parent is npm itself.
  if (SHELLS.has(commandName(parent))) {
    const npm = parentOf(parent);
    if (npm && npm > 1) watched.push(npm);
  }
  const timer = setInterval(() => {
    // A parent that died was replaced by init or a subreaper: the chain above us changed.
    const orphaned =
      process.ppid !== parent ? parent : watched[1] !== undefined && parentOf(parent) !== watched[1] ? watched[1] : undefined;
    const gone = orphaned ?? watched.find((pid) => !alive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
