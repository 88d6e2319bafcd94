/** jest: unit, page, component and contract tests of the mini-program (see tests/). */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/**/*.test.js'],
  testTimeout: 20000,
  clearMocks: true,
};
