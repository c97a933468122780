import { ModelplaneClientError, type TypedDocumentNode } from '@modelplane/client';
import { parse } from 'graphql';
import { stringOption, type CommandSpec } from '../args';
import type { CommandContext } from '../context';
import { CliError } from '../errors';

// API keys come with the auth work (createApiKey, apiKeys, revokeApiKey), which is not in the
// supergraph these documents were generated from. Until then the keys commands ask the server
// whether it has an `apiKeys` field, and say plainly that the feature is not available.
const probe = parse('query ApiKeysProbe { apiKeys { __typename } }') as TypedDocumentNode<unknown, Record<string, never>>;

async function keysUnavailable(context: CommandContext): Promise<never> {
  try {
    await context.client().request(probe);
  } catch (err) {
    if (err instanceof ModelplaneClientError && err.code === 'GRAPHQL_VALIDATION_FAILED' && /apiKeys/.test(err.message)) {
      throw new CliError(`API keys are not available on this server (${context.config.endpoint} has no apiKeys field)`, 'NOT_AVAILABLE');
    }
    throw err;
  }
  throw new CliError('this server manages API keys, but this version of the modelplane CLI cannot yet: update it', 'NOT_AVAILABLE');
}

const create: CommandSpec<CommandContext> = {
  path: ['keys', 'create'],
  summary: 'Create an API key (admin; the key is shown once)',
  usage: '--name NAME --role viewer|operator|admin',
  options: {
    name: { type: 'string', value: 'NAME', description: 'What the key is for' },
    role: { type: 'string', value: 'ROLE', description: 'viewer, operator or admin' },
  },
  positionals: { min: 0 },
  async run(context, { values }) {
    stringOption(values, 'name', true);
    stringOption(values, 'role', true);
    await keysUnavailable(context);
  },
};

const list: CommandSpec<CommandContext> = {
  path: ['keys', 'list'],
  summary: 'API keys (admin)',
  usage: '',
  options: {},
  positionals: { min: 0 },
  run: (context) => keysUnavailable(context),
};

const revoke: CommandSpec<CommandContext> = {
  path: ['keys', 'revoke'],
  summary: 'Revoke an API key (admin)',
  usage: 'ID',
  options: {},
  positionals: { min: 1 },
  run: (context) => keysUnavailable(context),
};

export const keyCommands = [create, list, revoke];
