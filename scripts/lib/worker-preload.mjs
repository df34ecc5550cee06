// Loaded (node --import) into the vitest worker processes that scripts/lib/prewarmed-forks.ts
// forks ahead of time. While the worker waits for its next lesson test, this imports the
// packages that the previous checks imported natively (OpenTelemetry, OpenInference), so the
// test finds them in Node's module cache instead of spending ~150 ms loading them.
// Plain JavaScript: the worker runs without a TypeScript loader.
//
// It must not listen for IPC messages: vitest's worker runtime registers its own listener a
// little later, and Node delivers the first messages to whoever listens first.
const variable = "WORKBOOK_WORKER_PRELOAD";
const list = process.env[variable];
// The test sees the environment it would see without this file.
delete process.env[variable];

if (list) {
  // Not awaited: vitest's worker starts meanwhile, and a test that imports one of these while
  // it is still loading shares the same module job.
  void (async () => {
    let ids = [];
    try {
      ids = JSON.parse(list);
    } catch {
      return;
    }
    for (const id of ids) {
      try {
        // The exact string vitest's module runner will import (a path or a file: URL), so
        // both land on the same entry of the module cache.
        await import(id);
      } catch {
        // The test's own import will meet (and report) the same error.
      }
    }
  })();
}
