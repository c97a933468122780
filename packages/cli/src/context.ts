import { createClient, type ClientOptions, type ModelplaneClient } from '@modelplane/client';
import { isAbsolute, resolve } from 'node:path';
import type { CliConfig } from './config';

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Where a run of the CLI reads and writes: the process's streams, or buffers in tests. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** The environment the configuration comes from (default: the process's, read in config.ts). */
  env?: Record<string, string | undefined>;
  /** Relative file arguments are resolved against it. */
  cwd: string;
}

export interface CommandContext {
  readonly config: CliConfig;
  /** --json: data on stdout as JSON, nothing else there. */
  readonly json: boolean;
  /** Progress bars on: stderr is a terminal, or --progress. */
  readonly showProgress: boolean;
  readonly io: CliIo;
  /** The client for the configured endpoint and key, created on first use. */
  client(): ModelplaneClient;
  /** A line of output on stdout. */
  out(text: string): void;
  /** A line for the person at the terminal on stderr (notes, confirmations in --json mode). */
  note(text: string): void;
  printJson(value: unknown): void;
  path(file: string): string;
}

export type ClientFactory = (options: ClientOptions) => ModelplaneClient;

export function createContext(
  io: CliIo,
  config: CliConfig,
  flags: { json: boolean; progress: boolean },
  clientFactory: ClientFactory = createClient,
): CommandContext & { closeClient(): Promise<void> } {
  let client: ModelplaneClient | undefined;
  return {
    config,
    json: flags.json,
    showProgress: flags.progress || io.stderr.isTTY === true,
    io,
    client() {
      // Reconnects (a gateway restart, a replica going away) keep `alerts --follow` and
      // `retrain --follow` going; graphql-ws subscribes again after each.
      client ??= clientFactory({ endpoint: config.endpoint, apiKey: config.apiKey, retryAttempts: 3 });
      return client;
    },
    out: (text) => io.stdout.write(`${text}\n`),
    note: (text) => io.stderr.write(`${text}\n`),
    printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    path: (file) => (isAbsolute(file) ? file : resolve(io.cwd, file)),
    async closeClient() {
      await client?.close();
      client = undefined;
    },
  };
}
