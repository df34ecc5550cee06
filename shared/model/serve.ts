// Runs the offline model on its own, to point the chatbot (or curl) at it:
//
//   npx tsx shared/model/serve.ts [--port N] [--host H] [--stream-style S] [--usage-details]
//                                 [--usage-cost] [--no-fault-route] [--latency F,C] [--help]
//
// Stops on Ctrl+C (SIGINT) or SIGTERM. A wrong option prints the usage and exits with 2.

import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parseLatency } from "./latency.ts";
import { startOfflineModel, type OfflineModelOptions } from "./offline-model.ts";
import { streamStyleFrom, type StreamVariant } from "./stream-style.ts";

export const USAGE = `Usage: npx tsx shared/model/serve.ts [options]

Runs the workbook's offline model (an OpenAI-compatible chat-completions server).

Options:
  --port N              port to listen on (default 0: any free port)
  --host H              address to listen on (default 127.0.0.1)
  --stream-style S      stream like another provider: litellm, or variants joined with
                        commas (omit-finish-reason, omit-null-usage, usage-choice,
                        text-first, usage-extras); default openai
  --usage-details       add prompt_tokens_details and completion_tokens_details to usage
  --usage-cost          add cost (US dollars) to usage
  --no-fault-route      do not serve POST /_offline/faults
  --latency F,C         answer at a real provider's pace: the first streamed chunk after F ms,
                        the next ones C ms apart, a whole answer when its stream would end
                        (e.g. 400,30); default: at once
  -h, --help            show this help`;

/** The server options the command line asks for, or what to print and the exit code. */
export function parseServeArgs(
  args: string[],
): { options: OfflineModelOptions } | { exitCode: 0 | 2; output: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string", default: "0" },
        host: { type: "string", default: "127.0.0.1" },
        "stream-style": { type: "string" },
        "usage-details": { type: "boolean", default: false },
        "usage-cost": { type: "boolean", default: false },
        "no-fault-route": { type: "boolean", default: false },
        latency: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    return { exitCode: 2, output: `${(error as Error).message}\n\n${USAGE}` };
  }
  if (values.help) return { exitCode: 0, output: USAGE };

  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    return { exitCode: 2, output: `--port must be a whole number from 0 to 65535 (0: any free port), not "${values.port}".` };
  }

  const options: OfflineModelOptions = {
    port,
    host: values.host,
    usageDetails: values["usage-details"],
    usageCost: values["usage-cost"],
    faultRoute: !values["no-fault-route"],
  };
  if (values.latency !== undefined) {
    try {
      options.latency = parseLatency(values.latency);
    } catch (error) {
      return { exitCode: 2, output: `--latency: ${(error as Error).message}` };
    }
  }
  const style = values["stream-style"];
  if (style !== undefined) {
    const variants = style.split(",").map((name) => name.trim()) as StreamVariant[];
    try {
      streamStyleFrom(variants);
    } catch (error) {
      return { exitCode: 2, output: `--stream-style: ${(error as Error).message}` };
    }
    options.streamStyle = variants;
  }
  return { options };
}

async function main(): Promise<void> {
  const parsed = parseServeArgs(process.argv.slice(2));
  if ("exitCode" in parsed) {
    (parsed.exitCode === 0 ? console.log : console.error)(parsed.output);
    process.exit(parsed.exitCode);
  }

  const model = await startOfflineModel(parsed.options);
  const root = model.baseUrl.replace(/\/v1$/, "");

  console.log(`Offline model "${model.modelName}" listening on ${model.baseUrl}

Point the chatbot at it (in another terminal):
  export OPENAI_BASE_URL=${model.baseUrl}
  export OPENAI_MODEL=${model.modelName}     # any name works; it is echoed back
  export OPENAI_API_KEY=offline              # not checked

Try it:
  curl ${model.baseUrl}/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"${model.modelName}","messages":[{"role":"user","content":"Hello"}]}'
  curl ${model.baseUrl}/embeddings -H 'content-type: application/json' \\
    -d '{"model":"workbook-offline-embedding","input":"Paris in spring"}'
${
  parsed.options.faultRoute === false
    ? ""
    : `
Queue faults for the next chat requests:
  curl ${root}/_offline/faults -H 'content-type: application/json' -d '{"faults":["http-429","none"]}'
`
}
Ctrl+C to stop.`);

  let stopping = false;
  async function stop(signal: NodeJS.Signals): Promise<void> {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the offline model.`);
    await model.close();
    process.exit(0);
  }
  process.on("SIGINT", (signal) => void stop(signal));
  process.on("SIGTERM", (signal) => void stop(signal));
}

// Run only as a command, not when a test imports parseServeArgs.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // e.g. the port is taken: one line, not a stack
    console.error(`The offline model could not start: ${(error as Error).message}`);
    process.exit(1);
  });
}
