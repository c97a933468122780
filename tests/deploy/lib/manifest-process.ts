import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverMain } from '../../support/processes';
import { repoRoot } from './repo';

/**
 * A container's process started with exactly `env` (nothing inherited from the test's own
 * environment): `node packages/server/dist/main.js <args>`, the image's ENTRYPOINT plus the
 * manifest's args, on this machine or in the image.
 */
export interface ManifestProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts a container's command (`args`) with exactly `env`. */
export type Runner = (args: readonly string[], env: Record<string, string>) => ManifestProcess;

function track(child: ChildProcess, stop: (signal: NodeJS.Signals) => void): ManifestProcess {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    output: () => out,
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) stop(signal);
      return exited;
    },
  };
}

/** The built server on this machine, as the image's ENTRYPOINT runs it. */
export const nodeRunner: Runner = (args, env) => {
  const child = spawn(process.execPath, [serverMain, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return track(child, (signal) => child.kill(signal));
};

/**
 * The image itself, locked down as the manifests' securityContext asks (non-root, read-only root
 * filesystem with a /tmp emptyDir, no capabilities, no privilege escalation), on the host network
 * so that loopback URLs work as they do for nodeRunner.
 */
export function imageRunner(image: string): Runner {
  return (args, env) => {
    const name = `modelplane-k8s-env-${randomBytes(4).toString('hex')}`;
    const envFile = join(mkdtempSync(join(tmpdir(), 'modelplane-k8s-env-')), 'env');
    writeFileSync(
      envFile,
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
      { mode: 0o600 },
    );
    // Args and options as in k8s: runAsUser 10001, readOnlyRootFilesystem, drop ALL, allowPrivilegeEscalation false.
    const child = spawn(
      'docker',
      [
        'run',
        '--rm',
        '--name',
        name,
        '--network',
        'host',
        '--read-only',
        '--tmpfs',
        '/tmp:rw,size=256m',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '--user',
        '10001:10001',
        '--env-file',
        envFile,
        image,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return track(child, (signal) => {
      const kill = signal === 'SIGKILL' ? ['rm', '-f', name] : ['kill', '--signal', signal, name];
      spawn('docker', kill, { stdio: 'ignore' });
    });
  };
}

/** MODELPLANE_IMAGE when it names an image a working `docker` has; otherwise undefined (the image runs are skipped). */
export function availableImage(): string | undefined {
  const image = process.env.MODELPLANE_IMAGE;
  if (!image) return undefined;
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore', timeout: 20_000 });
    return image;
  } catch {
    return undefined;
  }
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
  run: Runner,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | string; output: string }> {
  const proc = run(args, env);
  const timer = setTimeout(() => void proc.stop('SIGKILL'), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output() };
}
