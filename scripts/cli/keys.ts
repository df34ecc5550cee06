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
  // Several keys can arrive in one chunk (fast typing, paste, tmux send-keys): split them.
  const keys: string[] = [];
  for (let index = 0; index < chunk.length; ) {
    const sequence = /^\u001b(\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(chunk.slice(index))?.[0];
    if (sequence) {
      const named = NAMED[sequence];
      if (named) keys.push(named);
      index += sequence.length;
      continue;
    }
    const char = chunk[index]!;
    keys.push(NAMED[char] ?? char);
    index += 1;
  }
  return keys;
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
