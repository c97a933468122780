import { checkProductionRequirements, configTable, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives documented defaults in local mode', () => {
    const config = loadConfig({});
    expect(config.MODELPLANE_MODE).toBe('local');
    expect(config.PORT).toBe(4000);
    expect(config.REGISTRY_URL).toBe('http://127.0.0.1:4001/graphql');
    expect(config.INTROSPECTION).toBe(true);
    expect(config.SANDBOX).toBe(true);
    expect(config.MIGRATE_ON_START).toBe(true);
  });

  it('turns introspection, Sandbox and start-up migrations off in production mode unless enabled', () => {
    expect(loadConfig({ MODELPLANE_MODE: 'production' })).toMatchObject({ INTROSPECTION: false, SANDBOX: false, MIGRATE_ON_START: false });
    expect(loadConfig({ MODELPLANE_MODE: 'production', SANDBOX: 'true' }).SANDBOX).toBe(true);
  });

  it('derives subgraph URLs from their ports', () => {
    expect(loadConfig({ PREDICTION_PORT: '5002' }).PREDICTION_URL).toBe('http://127.0.0.1:5002/graphql');
  });

  it('fails at start-up naming every invalid variable at once', () => {
    const load = () => loadConfig({ PORT: 'eighty', MODELPLANE_MODE: 'staging', DATABASE_URL: 'not a url', SANDBOX: 'maybe' });
    expect(load).toThrow('MODELPLANE_MODE="staging" must be one of local, production');
    expect(load).toThrow('PORT="eighty" must be an integer between 0 and 65535');
    expect(load).toThrow('DATABASE_URL="not a url" is not a URL');
    expect(load).toThrow('SANDBOX="maybe" must be true or false');
  });

  it('documents every variable in the configuration table', () => {
    const table = configTable();
    for (const name of ['DATABASE_URL', 'MODELPLANE_HOME', 'PORT', 'LOG_LEVEL']) expect(table).toContain(`\`${name}\``);
  });

  it('auth settings: AUTH=off only in local mode, JWTs need issuer and audience, secrets a minimum length', () => {
    expect(loadConfig({}).AUTH).toBe('on');
    expect(loadConfig({ AUTH: 'off' }).AUTH).toBe('off');
    expect(() => loadConfig({ MODELPLANE_MODE: 'production', AUTH: 'off' })).toThrow('AUTH=off is only allowed in local mode');
    expect(() => loadConfig({ JWT_HS256_SECRET: 'x'.repeat(32) })).toThrow('JWT_ISSUER and JWT_AUDIENCE are required');
    expect(() => loadConfig({ GATEWAY_SECRET: 'short' })).toThrow('GATEWAY_SECRET must be at least 32 characters long');
    expect(() => loadConfig({ GATEWAY_SECRET: 'short' })).not.toThrow('short"');
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).CORS_ORIGINS).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });

  it('production mode needs a gateway secret everywhere, and an admin key or JWTs at the gateway', () => {
    const production = { MODELPLANE_MODE: 'production' };
    expect(() => checkProductionRequirements(loadConfig(production), 'subgraph')).toThrow('GATEWAY_SECRET');
    const withSecret = { ...production, GATEWAY_SECRET: 's'.repeat(32) };
    expect(() => checkProductionRequirements(loadConfig(withSecret), 'subgraph')).not.toThrow();
    expect(() => checkProductionRequirements(loadConfig(withSecret), 'gateway')).toThrow('MODELPLANE_ADMIN_KEY, or JWTs');
    expect(() => checkProductionRequirements(loadConfig({ ...withSecret, MODELPLANE_ADMIN_KEY: 'k'.repeat(24) }), 'gateway')).not.toThrow();
    const jwt = { ...withSecret, JWT_HS256_SECRET: 'j'.repeat(32), JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' };
    expect(() => checkProductionRequirements(loadConfig(jwt), 'gateway')).not.toThrow();
    expect(() => checkProductionRequirements(loadConfig({}), 'gateway')).not.toThrow();
  });
});
