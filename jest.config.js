/**
 * Three projects: `unit` needs nothing but Node; `package` packs the library and uses it from a
 * fresh consumer project (needs the npm registry); `integration` needs the real parts from
 * `npm run infra:up`.
 */
const tsJest = ['ts-jest', { isolatedModules: true, diagnostics: false }];
module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      preset: 'ts-jest',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/', '<rootDir>/test/package/'],
      setupFilesAfterEnv: ['<rootDir>/test/setup-jest.ts'],
    },
    {
      displayName: 'package',
      preset: 'ts-jest',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/package/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      preset: 'ts-jest',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup-jest.ts'],
    },
  ],
};
