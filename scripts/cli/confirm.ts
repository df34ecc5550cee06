// A y/n question on the terminal for the plain subcommands (watch mode asks through its keys).
import { createInterface } from "node:readline/promises";

export async function confirm(question: string): Promise<boolean> {
  const readline = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await readline.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    readline.close();
  }
}
