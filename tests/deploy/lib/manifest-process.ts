import { spawn, type ChildProcess } from 'node:child_process';
import { serverMain } from '../../support/processes';
import { repoRoot } from './repo';

/**
 * `node packages/server/dist/main.js <args>` (the image's ENTRYPOINT plus the manifest's args)
 * with exactly `env`: nothing is inherited from the test's own environment, as in a container.
 */
export interface ManifestProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function spawnWithEnv(args: readonly string[], env: Record<string, string>): ManifestProcess {
  const child = spawn(process.execPath, [serverMain, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    output: () => out,
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `<base>/health/ready` until it answers 200; fails with the process output if it exits or times out. */
export async function waitUntilReady(proc: ManifestProcess, base: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: number | string | undefined;
  void proc.exited.then((code) => (exit = code));
  while (Date.now() < deadline) {
    if (exit !== undefined) throw new Error(`exited with ${exit} before it was ready:\n${proc.output()}`);
    const ok = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  await proc.stop('SIGKILL');
  throw new Error(`not ready after ${timeoutMs} ms:\n${proc.output()}`);
}

/** Runs to completion (a Job, or a process expected to refuse to start); SIGKILLs it after `timeoutMs`. */
export async function runToExit(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | string; output: string }> {
  const proc = spawnWithEnv(args, env);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output() };
}
