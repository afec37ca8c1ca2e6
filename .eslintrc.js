/**
 * ESLint 8 (pinned: it is the last major that reads .eslintrc.js) with
 * typescript-eslint. The restricted imports enforce module boundaries: a
 * feature reaches another only through what its module exports (its
 * service, module and DTOs), never its entities, repositories or processors.
 */
module.exports = {
  root: true,
  parser: '@typescript-eslint/parser',
  parserOptions: { project: 'tsconfig.json', tsconfigRootDir: __dirname, sourceType: 'module' },
  plugins: ['@typescript-eslint'],
  extends: ['eslint:recommended', 'plugin:@typescript-eslint/recommended'],
  env: { node: true, es2022: true },
  ignorePatterns: ['.eslintrc.js', 'dist', 'node_modules', 'admin/dist'],
  rules: {
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['src/modules/*/*.entity', 'src/modules/*/**/*.entity'], message: "Another module's entity: go through its exported service." },
          { group: ['src/modules/*/*.repository', 'src/modules/*/**/*.repository'], message: "Another module's repository: go through its exported service." },
          { group: ['src/modules/*/*.processor', 'src/modules/*/**/*.processor'], message: "Another module's processor: enqueue a job instead." },
          { group: ['../../*'], message: 'Use the src/ path alias instead of ../../ chains.' },
        ],
      },
    ],
    'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config reads the environment; inject AppConfig.' }],
  },
  overrides: [
    {
      files: ['src/config/**/*.ts', 'src/main.ts', 'src/worker.ts', 'src/infra/lifecycle/prepare.ts', 'src/infra/database/migrate.ts', 'test/**/*.ts', 'bench/**/*.ts'],
      rules: { 'no-restricted-properties': 'off' },
    },
    {
      files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts'],
      rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
    },
  ],
};
