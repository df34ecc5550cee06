// One writer at a time for a file that several processes update (watch mode in one terminal, a
// plain command in another): a lock file beside it, created only if it does not exist yet. A
// holder keeps it for one read and one write, a millisecond, so a waiter waits briefly; a lock
// left behind by a killed process is taken over once it is far older than any update.
import { closeSync, openSync, rmSync, statSync } from "node:fs";

/** far longer than one read and write of a small file, even on a loaded machine */
export const STALE_LOCK_MS = 2_000;
const RETRY_MS = 2;

export function withFileLock<T>(lockFile: string, work: () => T): T {
  acquire(lockFile);
  try {
    return work();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

function acquire(lockFile: string): void {
  for (;;) {
    try {
      closeSync(openSync(lockFile, "wx"));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (ageMs(lockFile) > STALE_LOCK_MS) rmSync(lockFile, { force: true });
    else sleep(RETRY_MS);
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0; // just released: the next try takes it
  }
}

/** The state is read and written synchronously, so the wait is synchronous too. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
