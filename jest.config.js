// Unit (*.test.ts), integration (*.int.test.ts, real PostgreSQL) and end-to-end
// (*.e2e.test.ts, real processes behind the gateway) tests, compiled by swc.
const { readFileSync } = require('node:fs');

const swc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper: {
    '^@modelplane/(core|inference|ml|stats|server|client|cli)$': '<rootDir>/packages/$1/src',
    '^@modelplane/(registry|prediction|experiments|monitoring)$': '<rootDir>/subgraphs/$1/src',
    '^@modelplane/gateway$': '<rootDir>/gateway/src',
    '^@modelplane/migrations$': '<rootDir>/migrations/src',
  },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  testTimeout: 60000,
  // Two cores: more workers only add contention.
  maxWorkers: 2,
};
