// Work shared by a fixed number of concurrent workers, and never past a deadline: every loop of
// the stress run is bounded in count (the items) and in time.

export interface PoolOutcome {
  done: number;
  /** items not started because the deadline had passed */
  skipped: number;
}

export async function runPool<T>(items: T[], concurrency: number, deadline: number, work: (item: T, index: number) => Promise<void>): Promise<PoolOutcome> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length && Date.now() < deadline) {
      const index = next++;
      await work(items[index]!, index);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return { done, skipped: items.length - done };
}
