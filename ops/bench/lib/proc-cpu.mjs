// CPU time of processes, from /proc/<pid>/stat (utime + stime, in clock ticks; Linux only).
// A group is a set of processes (e.g. PostgreSQL: the postmaster and every backend) found again
// at each snapshot, so processes that start during a run count from zero and the time of ones
// that exit and were reaped lands in their parent's cutime + cstime, which is counted too.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** { pid, ppid, comm, ticks (own), childTicks (reaped children) } or null if gone. */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may contain spaces: the fields after the last ')' are fixed.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    // f[0] is field 3 (state): utime is field 14 → f[11], stime f[12], cutime f[13], cstime f[14].
    return { pid, ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/** The parent's pid (0 if the process is gone). */
export const parentOf = (pid) => stat(pid)?.ppid ?? 0;

export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Every live process: pid → stat. */
function allProcesses() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) out.set(s.pid, s);
  }
  return out;
}

/** Live processes whose command line has an argument starting with prefix. */
export function processesWithArgument(prefix) {
  return [...allProcesses().keys()].filter((pid) => cmdline(pid).some((a) => a.startsWith(prefix)));
}

/** pid and all its live descendants. */
export function descendants(pid, processes = allProcesses()) {
  const children = new Map();
  for (const p of processes.values()) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(p.pid);
  }
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    if (!processes.has(p)) continue;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/**
 * groups: { name: { pid, tree } | { pids } } — tree: true counts the process and all its
 * descendants (found anew at each snapshot); pids: several processes together. Returns snapshot() → an opaque value, and cpuMs(before, after) →
 * { name: milliseconds of CPU between the two snapshots }.
 */
export function cpuMeter(groups) {
  const snapshot = () => {
    const processes = allProcesses();
    const out = { [MACHINE]: machineBusyTicks() };
    for (const [name, { pid, pids: several, tree }] of Object.entries(groups)) {
      const pids = several ?? (tree ? descendants(pid, processes) : [pid]);
      const root = processes.get(pid);
      out[name] = {
        // Per process, so a process that starts in between counts from zero.
        each: Object.fromEntries(pids.map((p) => [p, processes.get(p)?.ticks ?? 0])),
        // Reaped children of the root (e.g. PostgreSQL backends that exited).
        reaped: tree && root ? root.childTicks : 0,
      };
    }
    return out;
  };
  const cpuMs = (before, after) => ({
    ...Object.fromEntries(
      Object.keys(groups).map((name) => {
        const a = before[name];
        const b = after[name];
        let ticks = b.reaped - a.reaped;
        for (const [pid, t] of Object.entries(b.each)) ticks += t - (a.each[pid] ?? 0);
        return [name, (ticks * 1000) / TICKS_PER_SECOND];
      }),
    ),
    // Every process on the machine (other users of the cores included).
    machine: ((after[MACHINE] - before[MACHINE]) * 1000) / TICKS_PER_SECOND,
  });
  return { snapshot, cpuMs };
}

/** The platform's processes: this one hosts the gateway; subgraphs and PostgreSQL are its children. */
export function platformProcesses(platformPid, home) {
  const children = descendants(platformPid).filter((pid) => pid !== platformPid);
  const byName = {};
  for (const pid of children) {
    const argv = cmdline(pid);
    const sub = ['registry', 'prediction', 'experiments', 'monitoring'].find(
      (n) => argv.at(-1) === n && argv.some((a) => a.endsWith('main.js')),
    );
    if (sub) byName[sub] = pid;
  }
  // The postmaster (detached from the platform): the PostgreSQL process with a data directory in
  // the platform's home whose parent is not PostgreSQL; its backends are its children.
  const postgres = processesWithArgument(home).find(
    (pid) => /postgres$/.test(cmdline(pid)[0] ?? '') && !/postgres/.test(cmdline(parentOf(pid))[0] ?? ''),
  );
  for (const n of ['registry', 'prediction', 'experiments', 'monitoring'])
    if (!byName[n]) throw new Error(`no ${n} process under the platform (pid ${platformPid})`);
  if (!postgres) throw new Error('no PostgreSQL process under the platform');
  return { ...byName, postgres };
}

/**
 * Requests/s the serving processes could answer if they had the machine to themselves: the cores
 * shared by all of them (cores ÷ total CPU per request), and each single-threaded process (a Node
 * event loop, a Python interpreter under the GIL) at most one core (1 s ÷ its CPU per request).
 * cpuUs: { group: µs per request }; serving: the groups that serve; singleThreaded: those capped.
 */
export function cpuBoundRps(cpuUs, serving, singleThreaded, cores) {
  const total = serving.reduce((sum, k) => sum + cpuUs[k], 0);
  return Math.min((cores * 1e6) / total, ...singleThreaded.map((k) => 1e6 / cpuUs[k]));
}

const MACHINE = Symbol('machine');

/** Busy ticks of all cores since boot (/proc/stat: user nice system irq softirq steal). */
function machineBusyTicks() {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return user + nice + system + irq + softirq + steal;
}

/** Resident set size of a process in MB (VmRSS), or null. */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
