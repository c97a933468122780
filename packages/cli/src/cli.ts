import { CLIENT_ERROR_CODES, ModelplaneClientError } from '@modelplane/client';
import { commandHelp, commandUsage, overviewHelp, parseCommandArgs, resolveCommand, stringOption } from './args';
import { commands } from './commands';
import { loadCliConfig } from './config';
import { createContext, type ClientFactory, type CliIo } from './context';
import { CliError, EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from './errors';

/** Advice after an error, by code: what to check, not what went wrong (the message says that). */
const HINTS: Record<string, string> = {
  [CLIENT_ERROR_CODES.network]: 'is the server running? Set the endpoint with --endpoint or MODELPLANE_URL',
  [CLIENT_ERROR_CODES.badResponse]: 'is the endpoint a Modelplane gateway? (--endpoint or MODELPLANE_URL, ending in /graphql)',
  UNAUTHENTICATED: 'pass an API key with --key or MODELPLANE_API_KEY',
  FORBIDDEN: "the API key's role does not allow this",
};

/**
 * Runs one command line and resolves with the exit code; never throws and never exits the
 * process, so tests run it in-process and main.ts only sets process.exitCode.
 */
export async function runCli(argv: readonly string[], io: CliIo, clientFactory?: ClientFactory): Promise<number> {
  const { command, group, rest } = resolveCommand(argv, commands);
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  if (!command) {
    if (!group && (wantsHelp || rest[0] === 'help')) {
      io.stdout.write(overviewHelp(commands));
      return EXIT_OK;
    }
    if (group && wantsHelp) {
      io.stdout.write(overviewHelp(commands, group));
      return EXIT_OK;
    }
    const unknown = rest.find((a) => !a.startsWith('-'));
    const what = unknown && (group ? `${group.join(' ')} ${unknown}` : unknown);
    io.stderr.write(`${what ? `error: unknown command "${what}"\n\n` : ''}${overviewHelp(commands, group)}`);
    return EXIT_USAGE;
  }
  if (wantsHelp) {
    io.stdout.write(commandHelp(command));
    return EXIT_OK;
  }

  let json = rest.includes('--json');
  let context: ReturnType<typeof createContext> | undefined;
  try {
    const args = parseCommandArgs(command, rest);
    json = args.values.json === true;
    const endpoint = stringOption(args.values, 'endpoint');
    const config = loadCliConfig(io.env, { endpoint, key: stringOption(args.values, 'key') });
    if (!/^https?:\/\/[^/]/.test(config.endpoint)) {
      throw new UsageError(`the endpoint must be an http(s) URL, got "${config.endpoint}"${endpoint ? '' : ' (from MODELPLANE_URL)'}`);
    }
    context = createContext(io, config, { json, progress: args.values.progress === true }, clientFactory);
    await command.run(context, args);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(
        json
          ? `${JSON.stringify({ error: { message: err.message, code: 'USAGE' } })}\n`
          : `error: ${err.message}\nusage: ${commandUsage(command)}\nRun 'modelplane ${command.path.join(' ')} --help' for its options.\n`,
      );
      return EXIT_USAGE;
    }
    const { message, code } = describe(err);
    if (json) io.stderr.write(`${JSON.stringify({ error: { message, code } })}\n`);
    else io.stderr.write(`error: ${message}${code ? ` (${code})` : ''}\n${HINTS[code] ? `hint: ${HINTS[code]}\n` : ''}`);
    return EXIT_ERROR;
  } finally {
    await context?.closeClient().catch(() => undefined);
  }
}

function describe(err: unknown): { message: string; code: string } {
  if (err instanceof ModelplaneClientError || err instanceof CliError) return { message: err.message, code: err.code };
  return { message: err instanceof Error ? err.message : String(err), code: 'INTERNAL' };
}
