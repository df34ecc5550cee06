// What the mutation check's parent and its workers say to each other over IPC.
export interface MutantJob {
  /** the mutant's id, or "baseline:<slug>" for the unmutated solution */
  id: string;
  slug: string;
  /** the one mutated file; absent for the baseline */
  mutant?: { file: string; text: string };
}

export interface MutantVerdict {
  id: string;
  /** the lesson's tests passed: a mutant that survived (or a baseline that holds) */
  passed: boolean;
  ms: number;
  /** the first failing test, for the report */
  killedBy?: string;
}
