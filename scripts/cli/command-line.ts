// What the learner typed after `npm start --` or `npm run workbook --`, read with node's
// parseArgs in strict mode: an option a command does not know is an error (exit code 2 and the
// usage), never silently ignored, so `check 3 --yes` cannot pass for something it is not.
import { parseArgs } from "node:util";

export const USAGE = `Usage:
  npm start                         watch mode: checks the current lesson on every save (needs a terminal)
  npm start -- --manual             watch mode that checks when you press Enter (where file watching fails)
  npm run workbook -- <command>

Commands (<n> is a lesson: 3, 03 or its slug, e.g. 03-llm-attributes):
  list                              the lessons, done or pending, and your progress
  check [<n>]                       check lesson n, or every lesson; exit code 0 when all pass
  run <n> [<question>]              run the lesson's chatbot once: its reply and its span tree
  hint <n> [<k>]                    the next hint of lesson n (or hint k, once more)
  diff <n>                          your files against the solution, whitespace ignored
  reset <n> [<file>] [--yes]        back up your files of lesson n (or that one), then restore the starter
  reset <n> --backups               list lesson n's backups by name, newest first
  reset <n> --restore <name>        put that backup back (your current files are backed up first)
  solution <n>                      where the solution is, and its code`;

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

interface CommandSpec {
  /** the command as the usage writes it, for the message when it is written wrong */
  usage: string;
  options: Record<string, { type: "boolean" | "string" }>;
  /** how many words it takes besides its options (run: the question, any length) */
  maxPositionals: number;
}

const COMMANDS = {
  watch: { usage: "npm start [-- --manual]", options: { manual: { type: "boolean" } }, maxPositionals: 0 },
  list: { usage: "npm run workbook -- list", options: {}, maxPositionals: 0 },
  check: { usage: "npm run workbook -- check [<n>]", options: {}, maxPositionals: 1 },
  run: { usage: "npm run workbook -- run <n> [<question>]", options: {}, maxPositionals: Infinity },
  hint: { usage: "npm run workbook -- hint <n> [<k>]", options: {}, maxPositionals: 2 },
  diff: { usage: "npm run workbook -- diff <n>", options: {}, maxPositionals: 1 },
  solution: { usage: "npm run workbook -- solution <n>", options: {}, maxPositionals: 1 },
  reset: {
    usage: "npm run workbook -- reset <n> [<file>] [--yes | --backups | --restore <name>]",
    options: { yes: { type: "boolean" }, backups: { type: "boolean" }, restore: { type: "string" } },
    maxPositionals: 2,
  },
  help: { usage: "npm run workbook -- help", options: {}, maxPositionals: 0 },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export interface CommandLine {
  command: CommandName;
  /** the words after the command: the lesson first */
  positionals: string[];
  yes: boolean;
  backups: boolean;
  manual: boolean;
  restore?: string;
}

/** The command line, or what is wrong with it (shown with the usage, exit code 2). */
export type ParsedCommandLine = CommandLine | { wrong: string };

export function parseCommandLine(argv: string[]): ParsedCommandLine {
  const [first, ...rest] = argv;
  // No command, or only options: watch mode (`npm start -- --manual`).
  const watching = first === undefined || (first.startsWith("-") && first !== "-h" && first !== "--help");
  const command = watching ? "watch" : first === "-h" || first === "--help" ? "help" : first;
  if (!isCommand(command)) return { wrong: `Unknown command "${command}".` };
  const spec: CommandSpec = COMMANDS[command];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: watching ? argv : rest,
      options: { ...spec.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return { wrong: `${explainParseError(error, command)} Write it as: ${spec.usage}` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help", positionals: [], yes: false, backups: false, manual: false };
  if (positionals.length > spec.maxPositionals) {
    const extra = positionals.slice(spec.maxPositionals).join(" ");
    return { wrong: `${command === "watch" ? "Watch mode" : `\`${command}\``} takes no "${extra}". Write it as: ${spec.usage}` };
  }
  if (values.backups && values.restore !== undefined) {
    return { wrong: `Use --backups (list them) or --restore <name> (put one back), not both. Write it as: ${spec.usage}` };
  }
  return {
    command,
    positionals,
    yes: values.yes === true,
    backups: values.backups === true,
    manual: values.manual === true,
    restore: typeof values.restore === "string" ? values.restore : undefined,
  };
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

function explainParseError(error: unknown, command: CommandName): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]*)/.exec(message)?.[1] ?? "that option";
  const where = command === "watch" ? "Watch mode" : `\`${command}\``;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `${where} has no option ${option}.`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (!message.includes("argument missing")) return `${option} takes no value.`;
    return option === "--restore" ? "--restore needs the name of a backup, as `--backups` lists them." : `${option} needs a value.`;
  }
  return `${message}.`;
}
