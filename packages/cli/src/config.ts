// The only module of the CLI that reads the environment: the CLI is a separate client program,
// configured by its own variables (flags override them).

export const DEFAULT_ENDPOINT = 'http://localhost:4000/graphql';

export interface CliConfig {
  /** --endpoint, else MODELPLANE_URL, else DEFAULT_ENDPOINT. */
  endpoint: string;
  /** --key, else MODELPLANE_API_KEY. */
  apiKey?: string;
}

export const CONFIG_VARIABLES = {
  MODELPLANE_URL: `GraphQL endpoint of the gateway (default ${DEFAULT_ENDPOINT})`,
  MODELPLANE_API_KEY: 'API key, sent as Authorization: Bearer …',
} as const;

export function loadCliConfig(
  // eslint-disable-next-line no-restricted-properties -- the CLI's own configuration, read in this module only
  env: Record<string, string | undefined> = process.env,
  flags: { endpoint?: string; key?: string } = {},
): CliConfig {
  const endpoint = flags.endpoint || env.MODELPLANE_URL || DEFAULT_ENDPOINT;
  const apiKey = flags.key || env.MODELPLANE_API_KEY || undefined;
  return { endpoint, apiKey };
}
