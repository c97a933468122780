import { readRepoFile } from './repo';

/**
 * Commands that deployment files may use before the server implements them (their Deployments
 * stay at zero replicas). None at present: the training worker, once listed here, is implemented.
 */
export const PENDING_COMMANDS: readonly string[] = [];

/** The long-running services and the migration step every deployment runs. */
export const SERVICE_COMMANDS = ['gateway', 'registry', 'prediction', 'experiments', 'monitoring'] as const;
export const SUBGRAPHS = ['registry', 'prediction', 'experiments', 'monitoring'] as const;

/**
 * Command names listed in the usage text of packages/server/src/main.ts. Lines indented by two
 * spaces start a command ("  migrate [up|down] …"); alternatives are separated by " | ";
 * deeper-indented lines continue a description.
 */
export function serverCommands(): string[] {
  const source = readRepoFile('packages/server/src/main.ts');
  const usage = /const usage = `([\s\S]*?)`;/.exec(source)?.[1];
  if (!usage) throw new Error('packages/server/src/main.ts: usage text (const usage = `…`) not found');
  const commands = new Set<string>();
  for (const line of usage.split('\n').slice(1)) {
    const head = /^ {2}(\S.*?)(?: {2,}|$)/.exec(line)?.[1];
    if (!head) continue;
    for (const alternative of head.split(' | ')) {
      const word = alternative.trim().split(/\s+/)[0] ?? '';
      if (/^[a-z][a-z-]*$/.test(word)) commands.add(word);
    }
  }
  return [...commands];
}

export type CommandStatus = 'implemented' | 'pending' | 'unknown';

export function commandStatus(command: string, implemented: readonly string[] = serverCommands()): CommandStatus {
  if (implemented.includes(command)) return 'implemented';
  if (PENDING_COMMANDS.includes(command)) return 'pending';
  return 'unknown';
}

const announced = new Set<string>();

/** Says once per run which pending commands the deployment files use. */
export function notePending(command: string, where: string): void {
  if (announced.has(command)) return;
  announced.add(command);
  console.info(`deploy: "${command}" is a pending server command (not in main.ts usage yet), used by ${where}`);
}
