// Prints one plain closing line, "jest: N passed, N failed, N skipped", as the very last line
// of the run (at process exit, after jest's own summary), so that CI can read the outcome
// without knowing jest's summary format.
const { writeSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // A suite that failed without a failing test (it did not load, or a hook threw) counts as
    // one failure; a suite whose tests failed is already counted by its tests.
    const brokenSuites = results.testResults.filter(
      (s) => s.numFailingTests === 0 && (s.testExecError || s.failureMessage)
    ).length;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests + brokenSuites} failed, ${skipped} skipped\n`;
    process.once('exit', () => writeSync(2, line));
  }
}
module.exports = SummaryReporter;
