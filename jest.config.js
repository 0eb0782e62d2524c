// Tests run as ES modules (node --experimental-vm-modules): NestJS 12 ships ESM only, and
// Jest on Node 20 cannot require() it. Import `jest` from '@jest/globals' where a test needs it.
const swaggerPlugin = { path: '<rootDir>/jest.swagger-transformer.js' };
const tsJest = (astTransformers) => ['ts-jest', { tsconfig: 'tsconfig.jest.json', useESM: true, astTransformers }];
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // The Swagger plugin writes ESM-style imports with a .js suffix; resolve them to the .ts source.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

module.exports = {
  // e2e hooks start a service and a database; the machine is shared and can be slow.
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      // dashboard/: the page's state, which needs no browser.
      roots: ['<rootDir>/src', '<rootDir>/dashboard'],
      testMatch: ['**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.repository\\.spec\\.ts$'],
      transform: { '^.+\\.ts$': tsJest({}) },
    },
    {
      // The repositories' SQL against a real database: each file starts an embedded PGlite (and
      // a server database where DATABASE_URL is set), seconds of start-up kept out of `unit`.
      ...common,
      displayName: 'repository',
      roots: ['<rootDir>/src'],
      testMatch: ['**/*.repository.spec.ts'],
      transform: { '^.+\\.ts$': tsJest({}) },
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': tsJest({ before: [swaggerPlugin] }) },
    },
  ],
};
