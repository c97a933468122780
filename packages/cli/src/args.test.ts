import {
  integerOption,
  parseCommandArgs,
  parseEnum,
  parseInteger,
  parseVersion,
  resolveCommand,
  stringOption,
  type CommandSpec,
} from './args';
import { UsageError } from './errors';

const command = (path: string[], extra: Partial<CommandSpec> = {}): CommandSpec => ({
  path,
  summary: path.join(' '),
  usage: '',
  options: {},
  positionals: { min: 0 },
  run: async () => undefined,
  ...extra,
});

const commands = [
  command(['models', 'list']),
  command(['models', 'push']),
  command(['predict']),
  command(['alerts']),
  command(['alerts', 'ack']),
];

describe('resolveCommand', () => {
  it('finds one- and two-word commands and leaves the rest of the line', () => {
    expect(resolveCommand(['models', 'list', '--json'], commands)).toMatchObject({
      command: { path: ['models', 'list'] },
      rest: ['--json'],
    });
    expect(resolveCommand(['predict', '--model', 'm'], commands)).toMatchObject({ command: { path: ['predict'] }, rest: ['--model', 'm'] });
    expect(resolveCommand(['alerts', '--follow'], commands).command?.path).toEqual(['alerts']);
    expect(resolveCommand(['alerts', 'ack', '42'], commands)).toMatchObject({ command: { path: ['alerts', 'ack'] }, rest: ['42'] });
  });

  it('skips global options (with their values) before the command words', () => {
    const resolved = resolveCommand(['--endpoint', 'http://x/graphql', '--json', 'models', 'push', 'f.onnx', '--model', 'm'], commands);
    expect(resolved.command?.path).toEqual(['models', 'push']);
    expect(resolved.rest).toEqual(['--endpoint', 'http://x/graphql', '--json', 'f.onnx', '--model', 'm']);
    expect(resolveCommand(['--key=abc', 'predict'], commands).command?.path).toEqual(['predict']);
  });

  it('reports a group without its subcommand, and nothing for unknown words', () => {
    expect(resolveCommand(['models'], commands)).toEqual({ group: ['models'], rest: [] });
    expect(resolveCommand(['models', 'lst'], commands)).toEqual({ group: ['models'], rest: ['lst'] });
    expect(resolveCommand(['nope'], commands)).toEqual({ group: undefined, rest: ['nope'] });
    // A command option before the command words ends the search.
    expect(resolveCommand(['--model', 'm', 'predict'], commands).command).toBeUndefined();
  });
});

describe('parseCommandArgs', () => {
  const push = command(['models', 'push'], {
    options: {
      model: { type: 'string', description: '' },
      feature: { type: 'string', multiple: true, description: '' },
      categorical: { type: 'string', multiple: true, description: '' },
      follow: { type: 'boolean', short: 'f', description: '' },
    },
    positionals: { min: 1 },
  });

  it('parses command and global options, positionals, and keeps the order of options', () => {
    const parsed = parseCommandArgs(push, [
      'f.onnx',
      '--model',
      'm',
      '--feature',
      'a',
      '--categorical',
      'c=x,y',
      '--feature',
      'b',
      '--json',
      '-f',
    ]);
    expect(parsed.positionals).toEqual(['f.onnx']);
    expect(parsed.values).toMatchObject({ model: 'm', feature: ['a', 'b'], categorical: ['c=x,y'], json: true, follow: true });
    expect(parsed.optionOrder.filter((o) => o.name === 'feature' || o.name === 'categorical').map((o) => o.value)).toEqual([
      'a',
      'c=x,y',
      'b',
    ]);
  });

  it('turns unknown options, missing values and wrong argument counts into usage errors', () => {
    expect(() => parseCommandArgs(push, ['f.onnx', '--colour', 'red'])).toThrow(UsageError);
    expect(() => parseCommandArgs(push, ['f.onnx', '--colour', 'red'])).toThrow("Unknown option '--colour'");
    expect(() => parseCommandArgs(push, ['f.onnx', '--model'])).toThrow(/--model/);
    expect(() => parseCommandArgs(push, [])).toThrow('missing arguments');
    expect(() => parseCommandArgs(push, ['a.onnx', 'b.onnx'])).toThrow('unexpected argument: b.onnx');
    // --help skips the argument checks: help is shown instead.
    expect(parseCommandArgs(push, ['--help']).values.help).toBe(true);
  });
});

describe('option values', () => {
  it('requires non-empty strings where asked', () => {
    expect(stringOption({ model: 'm' }, 'model', true)).toBe('m');
    expect(stringOption({}, 'model')).toBeUndefined();
    expect(() => stringOption({}, 'model', true)).toThrow('--model is required');
    expect(() => stringOption({ model: '' }, 'model')).toThrow('--model must not be empty');
  });

  it('parses whole numbers within bounds, versions as 3 or v3, and enums case-insensitively', () => {
    expect(parseInteger('42', 'N')).toBe(42);
    expect(() => parseInteger('4.2', 'N')).toThrow('N must be a whole number, got "4.2"');
    expect(() => parseInteger('0', '--batch-size', { min: 1, max: 10 })).toThrow('--batch-size must be a whole number (1-10), got "0"');
    expect(integerOption({ count: '3' }, 'count', { min: 1 })).toBe(3);
    expect(integerOption({}, 'count')).toBeUndefined();
    expect(parseVersion('v3')).toBe(3);
    expect(parseVersion('2')).toBe(2);
    expect(() => parseVersion('latest')).toThrow(UsageError);
    expect(parseEnum('error-rate', ['DRIFT', 'ERROR_RATE'] as const, '--kind')).toBe('ERROR_RATE');
    expect(() => parseEnum('speed', ['DRIFT', 'LATENCY'] as const, '--kind')).toThrow('--kind must be one of DRIFT, LATENCY, got "speed"');
  });
});
