import { configTable, loadConfig } from './config';

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
});
