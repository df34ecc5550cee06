// `npm start` and `npm run workbook -- <command>`: watch mode in a terminal, plain subcommands
// everywhere else.
import { loadCatalog, projectRoot } from "../shared/lessons/catalog.ts";
import { EXIT, parseCommandLine, USAGE } from "./cli/command-line.ts";
import { runCommand } from "./cli/commands.ts";
import { describeFailure } from "./cli/problems.ts";

const line = parseCommandLine(process.argv.slice(2));
const root = projectRoot;
const lessons = loadCatalog(root);

try {
  if (!("wrong" in line) && line.command === "watch") {
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      process.stderr.write(
        `Watch mode needs an interactive terminal, and this output is piped or redirected.\n` +
          `Use the plain commands instead, e.g. \`npm run workbook -- list\` or \`npm run workbook -- check 1\`.\n\n${USAGE}\n`,
      );
      process.exit(EXIT.usage);
    }
    const { startWatchMode } = await import("./cli/watch.ts");
    await startWatchMode({ root, lessons, manual: line.manual });
  } else {
    const code = await runCommand(line, { root, lessons });
    // vitest's pool and sockets may hold the event loop open after close(); the verdict is in.
    process.exit(code);
  }
} catch (error) {
  // An expected problem (WorkbookProblem) as its message; a bug with the line to report it and its stack.
  process.stderr.write(`${describeFailure(error)}\n`);
  process.exit(EXIT.failed);
}
