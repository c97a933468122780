import { parseArgs } from 'node:util';
import { UsageError } from './errors';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder of the value in help, e.g. NAME. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Options every command takes (they may appear anywhere on the line). */
export const GLOBAL_OPTIONS = {
  endpoint: { type: 'string', value: 'URL', description: 'GraphQL endpoint (env MODELPLANE_URL, default http://localhost:4000/graphql)' },
  key: { type: 'string', value: 'KEY', description: 'API key (env MODELPLANE_API_KEY)' },
  json: { type: 'boolean', description: 'Machine-readable JSON on stdout (errors as JSON on stderr)' },
  progress: { type: 'boolean', description: 'Show progress bars even when stderr is not a terminal' },
  help: { type: 'boolean', short: 'h', description: 'Show help' },
} satisfies OptionSpecs;

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  values: ParsedValues;
  positionals: string[];
  /** Options in command-line order (models push keeps --feature and --categorical in order). */
  optionOrder: Array<{ name: string; value?: string }>;
}

export interface CommandSpec<C = unknown> {
  /** The command words, e.g. ['models', 'push']. */
  path: string[];
  /** One line for the command list. */
  summary: string;
  /** What follows the command words in the usage line, e.g. 'FILE.onnx --model NAME [options]'. */
  usage: string;
  /** More help: what it does, formats, defaults. */
  details?: string;
  examples?: string[];
  options: OptionSpecs;
  /** Positional arguments after the command words: at least min, at most max (default min). */
  positionals: { min: number; max?: number };
  run(context: C, args: ParsedArgs): Promise<void>;
}

export interface Resolved<C> {
  command?: CommandSpec<C>;
  /** The words that matched a group without a subcommand (e.g. ['models']), for group help. */
  group?: string[];
  /** argv without the command words. */
  rest: string[];
}

const valueTakingGlobals = new Set(
  Object.entries(GLOBAL_OPTIONS)
    .filter(([, o]) => o.type === 'string')
    .map(([name]) => `--${name}`),
);

/**
 * Finds the command: its words come first, global options may come before them (e.g.
 * `modelplane --endpoint URL models list`); the first other option ends the search.
 */
export function resolveCommand<C>(argv: readonly string[], commands: readonly CommandSpec<C>[]): Resolved<C> {
  const words: number[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (valueTakingGlobals.has(arg)) i++;
      else if (!(arg.startsWith('--') && valueTakingGlobals.has(arg.split('=')[0]!)) && !isGlobalFlag(arg)) break;
      continue;
    }
    const path = [...words.map((w) => argv[w]!), arg];
    if (!commands.some((c) => startsWith(c.path, path))) break;
    words.push(i);
  }
  const path = words.map((w) => argv[w]!);
  const rest = argv.filter((_, i) => !words.includes(i));
  const exact = commands.find((c) => c.path.length === path.length && startsWith(c.path, path));
  if (exact) return { command: exact, rest };
  return { group: path.length ? path : undefined, rest };
}

function isGlobalFlag(arg: string): boolean {
  return arg === '--json' || arg === '--progress' || arg === '--help' || arg === '-h';
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((word, i) => path[i] === word);
}

/** Strict parsing of the command's and the global options (node:util parseArgs). */
export function parseCommandArgs(command: Pick<CommandSpec, 'options' | 'positionals'>, args: string[]): ParsedArgs {
  const options: OptionSpecs = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [
          name,
          { type: o.type, ...(o.short ? { short: o.short } : {}), multiple: o.multiple === true },
        ]),
      ),
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (err) {
    // parseArgs' messages name the option; drop its advice about '--' that does not apply here.
    throw new UsageError((err as Error).message.replace(/;? ?To specify a positional argument.*$/s, ''));
  }
  const { values, positionals, tokens } = parsed;
  if (!values.help) {
    const max = command.positionals.max ?? command.positionals.min;
    if (positionals.length < command.positionals.min) throw new UsageError('missing arguments');
    if (positionals.length > max)
      throw new UsageError(`unexpected argument${positionals.length - max > 1 ? 's' : ''}: ${positionals.slice(max).join(' ')}`);
  }
  const optionOrder = tokens.flatMap((t) => (t.kind === 'option' ? [{ name: t.name, value: t.value }] : []));
  return { values: values as ParsedValues, positionals, optionOrder };
}

/** A string option's value, or a usage error naming it when required and missing. */
export function stringOption(values: ParsedValues, name: string, required: true): string;
export function stringOption(values: ParsedValues, name: string, required?: false): string | undefined;
export function stringOption(values: ParsedValues, name: string, required = false): string | undefined {
  const value = values[name];
  if (typeof value === 'string') {
    if (value === '') throw new UsageError(`--${name} must not be empty`);
    return value;
  }
  if (required) throw new UsageError(`--${name} is required`);
  return undefined;
}

export function stringList(values: ParsedValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** A whole number from an option or argument, within bounds. */
export function parseInteger(text: string, what: string, { min = -Infinity, max = Infinity } = {}): number {
  const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Infinity ? (min === -Infinity ? '' : ` (at least ${min})`) : ` (${min}-${max})`;
    throw new UsageError(`${what} must be a whole number${range}, got "${text}"`);
  }
  return n;
}

export function integerOption(values: ParsedValues, name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
  const text = stringOption(values, name);
  return text === undefined ? undefined : parseInteger(text, `--${name}`, bounds);
}

/** A model version as given on the command line: 3 or v3. */
export function parseVersion(text: string, what = 'VERSION'): number {
  return parseInteger(text.replace(/^v/i, ''), what, { min: 1 });
}

/** One of an enum's values, case-insensitive (e.g. --kind latency). */
export function parseEnum<T extends string>(text: string, allowed: readonly T[], what: string): T {
  const upper = text.toUpperCase().replace(/-/g, '_');
  const found = allowed.find((a) => a === upper);
  if (!found) throw new UsageError(`${what} must be one of ${allowed.join(', ')}, got "${text}"`);
  return found;
}

function optionLine(name: string, o: OptionSpec): [string, string] {
  const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  return [flag, o.description + (o.multiple ? ' (repeatable)' : '')];
}

function columns(rows: Array<[string, string]>, indent = '  '): string {
  const width = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${indent}${a.padEnd(width)}  ${b}`).join('\n');
}

export function commandUsage(command: CommandSpec<unknown>): string {
  return `modelplane ${command.path.join(' ')}${command.usage ? ` ${command.usage}` : ''}`;
}

export function commandHelp(command: CommandSpec<unknown>): string {
  const parts = [`Usage: ${commandUsage(command)}`, '', command.summary];
  if (command.details) parts.push('', command.details);
  const own = Object.entries(command.options);
  if (own.length) parts.push('', 'Options:', columns(own.map(([n, o]) => optionLine(n, o))));
  parts.push('', 'Global options:', columns(Object.entries(GLOBAL_OPTIONS).map(([n, o]) => optionLine(n, o as OptionSpec))));
  if (command.examples?.length) parts.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return `${parts.join('\n')}\n`;
}

export function overviewHelp(commands: readonly CommandSpec<unknown>[], group?: string[]): string {
  const shown = group ? commands.filter((c) => startsWith(c.path, group)) : commands;
  const parts = [
    `Usage: modelplane ${group ? `${group.join(' ')} ` : ''}<command> [options]`,
    '',
    group
      ? `Commands of modelplane ${group.join(' ')}:`
      : 'The Modelplane command line: models, predictions, runs, drift and alerts through the GraphQL gateway.',
    '',
    ...(group ? [] : ['Commands:']),
    // Usage lines are long: the summary goes on a line of its own.
    shown.map((c) => `  ${c.path.join(' ')}${c.usage ? ` ${c.usage}` : ''}\n      ${c.summary}`).join('\n'),
    '',
    'Global options:',
    columns(Object.entries(GLOBAL_OPTIONS).map(([n, o]) => optionLine(n, o as OptionSpec))),
    '',
    'Environment: MODELPLANE_URL (endpoint), MODELPLANE_API_KEY (API key).',
    'Exit codes: 0 success, 1 error from the server or while running, 2 usage error.',
    `Run 'modelplane ${group ? group.join(' ') + ' ' : ''}<command> --help' for a command's options.`,
  ];
  return `${parts.join('\n')}\n`;
}
