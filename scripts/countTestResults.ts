import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Passed and failed counts read from a test runner's closing summary. */
export type TestCounts = { passed: number; failed: number };

export type TestRunner = 'forge' | 'node';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are control characters
const ansiPattern = /\u001b\[[0-9;]*m/g;

function lastNumber(text: string, pattern: RegExp): number | undefined {
  let found: number | undefined;
  for (const match of text.matchAll(pattern)) found = Number(match[1]);
  return found;
}

/**
 * Reads the closing summary of `forge test` or of node's test runner (spec reporter). Node 20 reports a
 * test that timed out, or a file whose process did not finish in time, as "cancelled", not "fail": both
 * count as failed here, since a hang is a failure. Missing summaries give zero counts; the caller also
 * checks the runner's exit code.
 */
export function countTestResults(runner: TestRunner, output: string): TestCounts {
  const text = output.replace(ansiPattern, '');
  if (runner === 'forge') {
    const summary = /^Ran \d+ test suites?\b.*?: (\d+) tests? passed, (\d+) failed/gm;
    let passed = 0;
    let failed = 0;
    for (const match of text.matchAll(summary)) {
      passed = Number(match[1]);
      failed = Number(match[2]);
    }
    return { passed, failed };
  }
  const passed = lastNumber(text, /^ℹ pass (\d+)$/gm) ?? 0;
  const failed = lastNumber(text, /^ℹ fail (\d+)$/gm) ?? 0;
  const cancelled = lastNumber(text, /^ℹ cancelled (\d+)$/gm) ?? 0;
  return { passed, failed: failed + cancelled };
}

// Used by scripts/test.sh: `node --import tsx scripts/countTestResults.ts forge|node LOG` prints
// "PASSED FAILED".
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [runner, logPath] = process.argv.slice(2);
  if ((runner !== 'forge' && runner !== 'node') || logPath === undefined) {
    console.error('usage: countTestResults.ts forge|node LOG_FILE');
    process.exit(2);
  }
  const counts = countTestResults(runner, readFileSync(logPath, 'utf8'));
  console.log(`${counts.passed} ${counts.failed}`);
}
