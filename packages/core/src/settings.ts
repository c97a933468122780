/**
 * The building blocks of configuration: a setting's spec (doc line, default, parser), the
 * parsers, and the loader that validates a whole table at once. The platform's table is in
 * config.ts; each subgraph declares its own fragment (`<name>.settings.ts`) with these.
 */
export interface VarSpec<T> {
  doc: string;
  default: string | ((env: NodeJS.ProcessEnv) => string);
  parse: (raw: string, name: string) => T;
}

/** A table of settings: variable name → spec. */
export type SettingsSpec = Record<string, VarSpec<unknown>>;

/** The parsed values of a table. */
export type SettingsOf<S extends SettingsSpec> = { readonly [K in keyof S]: ReturnType<S[K]['parse']> };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const str = (raw: string): string => raw;
export const int =
  (min: number, max: number) =>
  (raw: string, name: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} must be an integer between ${min} and ${max}`);
    }
    return n;
  };
export const num =
  (min: number, max: number) =>
  (raw: string, name: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} must be a number between ${min} and ${max}`);
    }
    return n;
  };
export const bool = (raw: string, name: string): boolean => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} must be true or false`);
};
export const oneOf =
  <T extends string>(...values: T[]) =>
  (raw: string, name: string): T => {
    if ((values as string[]).includes(raw)) return raw as T;
    throw new ConfigError(`${name}=${JSON.stringify(raw)} must be one of ${values.join(', ')}`);
  };
export const url = (raw: string, name: string): string => {
  if (raw === '') return raw;
  try {
    new URL(raw);
    return raw;
  } catch {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a URL`);
  }
};

/** A secret: empty (not configured) or at least `min` characters. Its value never appears in messages. */
export const secret =
  (min: number) =>
  (raw: string, name: string): string => {
    if (raw !== '' && raw.length < min) throw new ConfigError(`${name} must be at least ${min} characters long`);
    return raw;
  };

export const isProduction = (env: NodeJS.ProcessEnv): boolean => env.MODELPLANE_MODE === 'production';
export const port = int(0, 65535);

/** The parsers a settings fragment uses: `setting.int(1, 100)`, `setting.oneOf('a', 'b')`, … */
export const setting = { str, int, num, bool, oneOf, url, secret, port };

/** Declares a settings fragment (keeps its literal types for SettingsOf). */
export function defineSettings<S extends SettingsSpec>(spec: S): S {
  return spec;
}

/** Parses every variable of a table from env: the values, or every problem found. */
export function parseSettings(spec: SettingsSpec, env: NodeJS.ProcessEnv): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(spec)) {
    const given = env[name];
    const raw =
      given !== undefined && given !== '' ? given : typeof setting.default === 'function' ? setting.default(env) : setting.default;
    try {
      values[name] = setting.parse(raw, name);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { values, problems };
}

/** Rows of the configuration table in Markdown (`| variable | default | meaning |`). */
export function settingsRows(spec: SettingsSpec, root: string): string[] {
  return Object.entries(spec).map(([name, setting]) => {
    const def = typeof setting.default === 'function' ? '(derived)' : setting.default.replace(root, '.');
    return `| \`${name}\` | \`${def}\` | ${setting.doc} |`;
  });
}
