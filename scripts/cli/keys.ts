// Single keypresses from the terminal, without Enter: raw mode on stdin, decoded into names
// ("n", "enter", "up", "escape", "ctrl-c", ...).
export type KeyHandler = (key: string) => void;

const NAMED: Record<string, string> = {
  "\r": "enter",
  "\n": "enter",
  "\u001b": "escape",
  "\u007f": "backspace",
  "\b": "backspace",
  "\u0003": "ctrl-c",
  "\u0004": "ctrl-d",
  "\u001b[A": "up",
  "\u001b[B": "down",
  "\u001bOA": "up",
  "\u001bOB": "down",
  "\u001b[C": "right",
  "\u001b[D": "left",
};

export function decodeKeys(chunk: string): string[] {
  const named = NAMED[chunk];
  if (named) return [named];
  // Pasted or fast-typed text arrives as one chunk: one key per character.
  if (chunk.startsWith("\u001b")) return [];
  return [...chunk].map((char) => NAMED[char] ?? char);
}

/** Starts listening; the returned function puts the terminal back as it was. */
export function listenToKeys(onKey: KeyHandler): () => void {
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  const listener = (chunk: string) => {
    for (const key of decodeKeys(chunk)) onKey(key);
  };
  stdin.on("data", listener);
  return () => {
    stdin.off("data", listener);
    stdin.setRawMode(false);
    stdin.pause();
  };
}
