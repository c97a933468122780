import { readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat after the command name: [state, ppid, …, starttime at 19, …];
 * undefined once the process is gone (or off Linux). The command name (field 2) may contain
 * spaces and parentheses, so fields are counted from the last ')'.
 */
export function procStat(pid: number): string[] | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return line.slice(line.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
