import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.modelplane/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Only the config module reads the environment.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read configuration through loadConfig() in @modelplane/core' },
        // Another service's URL only through the table of who calls whom (NetworkPolicies follow it).
        ...['REGISTRY_URL', 'PREDICTION_URL', 'EXPERIMENTS_URL', 'MONITORING_URL'].map((property) => ({
          property,
          message: 'get service URLs with dependencyUrls(config, service) and list the call in SERVICE_DEPENDENCIES (@modelplane/core)',
        })),
      ],
    },
  },
  {
    files: ['packages/core/src/config.ts', 'tests/**', '**/*.test.ts', 'scripts/**', 'ops/**', 'jest.config.js'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The web console runs in the browser.
    files: ['console/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
