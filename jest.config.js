/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: { "^.+\\.ts$": ["ts-jest", { useESM: true }] },
  coverageProvider: "v8",
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  testTimeout: 30000,
  // A timer or socket left behind by one test must not hold the run open until CI's time limit;
  // Jest still names the leak ("Force exiting Jest"), and the servers' own shutdown is tested in
  // child processes (test/e2e, test/replicas), where forcing does not apply.
  forceExit: true,
};
