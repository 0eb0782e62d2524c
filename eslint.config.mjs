// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** The house's layering (docs/ARCHITECTURE.md): which folder may not import which. */
const forbid = (folders, why) =>
  folders.map((folder) => ({
    group: [`**/${folder}/*`, `../${folder}/*`, `../../${folder}/*`],
    message: why,
  }));
const layer = (files, patterns) => ({
  files,
  ignores: ['**/*.spec.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

/** What would load the server: never imported by the client, the MCP tools or the stdio command. */
const SERVER_PACKAGES = [
  '@nestjs/*',
  'typeorm',
  'pg',
  'pg-*',
  'socket.io',
  'class-validator',
  'class-transformer',
  'reflect-metadata',
  'rxjs',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'scratch/**', '**/*.js', '**/*.mjs'] },
  // examples/ compile against the packed package, not these sources: scripts/check-package.sh does.
  { ignores: ['examples/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Tests talk to untyped HTTP bodies (supertest) on purpose.
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'no-console': 'off',
    },
  },
  layer(
    ['src/domain/**/*.ts', 'src/triggers/**/*.ts'],
    [
      ...forbid(
        ['common', 'config', 'persistence', 'engine', 'api', 'events', 'tasks', 'scheduler', 'health'],
        'domain/ and triggers/ are pure: they import only domain/ (and triggers/)',
      ),
      {
        group: ['@nestjs/*', 'typeorm', 'pg', 'socket.io'],
        message: 'domain/ and triggers/ know nothing of Nest, TypeORM or the database',
      },
    ],
  ),
  layer(
    ['src/persistence/**/*.ts'],
    forbid(
      ['engine', 'api', 'events', 'tasks', 'scheduler', 'health'],
      'persistence/ is below the engine, the API and the use cases',
    ),
  ),
  layer(
    ['src/engine/**/*.ts'],
    forbid(['api', 'scheduler', 'health'], 'the engine does not know the HTTP face or the use cases'),
  ),
  {
    // The client entry runs in browsers and agent processes: the server's folders only as types
    // (their contract), and nothing that would load Nest, TypeORM, pg or the Socket.IO server.
    files: ['src/client/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: SERVER_PACKAGES,
              message:
                'src/client/ must not load the server (Nest, TypeORM, pg, Socket.IO server, validators)',
            },
            {
              group: ['../*', '!../client/*'],
              allowTypeImports: true,
              message: 'src/client/ imports the server folders as types only (import type)',
            },
          ],
        },
      ],
    },
  },
  {
    // The MCP tools and the stdio command run in an agent's process beside the typed client: the
    // same rule, except that they load the client (and each other) at runtime.
    files: ['src/mcp/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: SERVER_PACKAGES,
              message: 'src/mcp/ and src/cli/ must not load the server (Nest, TypeORM, pg, Socket.IO server, validators)',
            },
            {
              regex: '^\\.\\./(\\.\\./)?(?!client/|mcp/|cli/)[a-z-]+/',
              allowTypeImports: true,
              message: 'src/mcp/ and src/cli/ import the server folders as types only (import type)',
            },
          ],
        },
      ],
    },
  },
  {
    // The dashboard is a browser page: it knows the service only through the client entry.
    files: ['dashboard/**/*.ts', 'dashboard/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/*', '!**/src/client', '@nestjs/*', 'typeorm', 'pg', 'socket.io'],
              message: 'the dashboard uses the service through src/client (scout-scheduler/client) only',
            },
          ],
        },
      ],
    },
  },
  layer(
    ['src/events/**/*.ts', 'src/tasks/**/*.ts'],
    forbid(
      ['engine', 'api', 'scheduler', 'health'],
      'events/ and tasks/ sit below the engine and the use cases',
    ),
  ),
);
