import { ApiKeyListDocument, CreateApiKeyDocument, RevokeApiKeyDocument, type Role } from '@modelplane/client';
import { stringOption, type CommandSpec } from '../args';
import type { CommandContext } from '../context';
import { CliError, UsageError } from '../errors';
import { formatTime, table } from '../format';

const ROLES: Record<string, Role> = { viewer: 'VIEWER', operator: 'OPERATOR', admin: 'ADMIN' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseRole(raw: string): Role {
  const role = ROLES[raw.toLowerCase()];
  if (!role) throw new UsageError(`--role must be viewer, operator or admin, got "${raw}"`);
  return role;
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
  examples: [
    'modelplane keys create --name ci --role operator',
    'export MODELPLANE_API_KEY=$(modelplane keys create --name ci --role viewer --json | jq -r .key)',
  ],
  async run(context, { values }) {
    const name = stringOption(values, 'name', true);
    const role = parseRole(stringOption(values, 'role', true));
    const { createApiKey } = await context.client().request(CreateApiKeyDocument, { name, role });
    if (context.json) return context.printJson(createApiKey);
    context.out(createApiKey.key);
    context.note(
      `Created API key ${createApiKey.apiKey.keyId} "${createApiKey.apiKey.name}" (${createApiKey.apiKey.role.toLowerCase()}). ` +
        'The key above is shown only now: store it (e.g. MODELPLANE_API_KEY).',
    );
  },
};

const list: CommandSpec<CommandContext> = {
  path: ['keys', 'list'],
  summary: 'API keys (admin)',
  usage: '',
  options: {},
  positionals: { min: 0 },
  examples: ['modelplane keys list'],
  async run(context) {
    const { apiKeys } = await context.client().request(ApiKeyListDocument);
    if (context.json) return context.printJson(apiKeys);
    if (!apiKeys.length) {
      context.out('No API keys.');
      return;
    }
    context.out(
      table(
        ['ID', 'KEY ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED', 'STATUS'],
        apiKeys.map((k) => [
          k.id,
          k.keyId,
          k.name,
          k.role.toLowerCase(),
          formatTime(k.createdAt),
          formatTime(k.lastUsedAt),
          k.revokedAt ? `revoked ${formatTime(k.revokedAt)}` : 'active',
        ]),
      ),
    );
  },
};

const revoke: CommandSpec<CommandContext> = {
  path: ['keys', 'revoke'],
  summary: 'Revoke an API key (admin), by its id or key id',
  usage: 'ID',
  options: {},
  positionals: { min: 1, max: 1 },
  examples: ['modelplane keys revoke 3f2c9a61b0de'],
  async run(context, { positionals }) {
    const given = positionals[0]!;
    let id = given;
    if (!UUID.test(given)) {
      // A key id (the `mp_<keyId>_…` part shown in listings and logs): find its key.
      const { apiKeys } = await context.client().request(ApiKeyListDocument);
      const match = apiKeys.find((k) => k.keyId === given);
      if (!match) throw new CliError(`no API key with id or key id "${given}" (see modelplane keys list)`, 'NOT_FOUND');
      id = match.id;
    }
    const { revokeApiKey } = await context.client().request(RevokeApiKeyDocument, { id });
    if (context.json) return context.printJson(revokeApiKey);
    context.out(`Revoked API key ${revokeApiKey.keyId} "${revokeApiKey.name}" (gateways refuse it within their AUTH_CACHE_SECONDS).`);
  },
};

export const keyCommands = [create, list, revoke];
