const { writeFileSync } = require('node:fs');

/**
 * Prints the plain closing line CI reads: "N passed, N failed, N skipped" (suites that could not run count as failed).
 * With TEST_SUMMARY_FILE (set by test/support/run-suites.js, npm test) it also writes the counts there as JSON, with
 * the Node version the run really used.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
    if (process.env.TEST_SUMMARY_FILE)
      writeFileSync(
        process.env.TEST_SUMMARY_FILE,
        JSON.stringify({ node: process.version, passed: results.numPassedTests, failed, skipped }),
      );
  }
}
module.exports = SummaryReporter;
