// Runs the offline model on its own, to point the chatbot (or curl) at it:
//
//   npx tsx shared/model/serve.ts [--port N] [--host H]
//
// Stops on Ctrl+C (SIGINT) or SIGTERM.

import { parseArgs } from "node:util";
import { startOfflineModel } from "./offline-model.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a whole number from 0 to 65535 (0: any free port), not "${values.port}".`);
  process.exit(2);
}

const model = await startOfflineModel({ port, host: values.host });
const root = model.baseUrl.replace(/\/v1$/, "");

console.log(`Offline model "${model.modelName}" listening on ${model.baseUrl}

Point the chatbot at it (in another terminal):
  export OPENAI_BASE_URL=${model.baseUrl}
  export OPENAI_MODEL=${model.modelName}     # any name works; it is echoed back
  export OPENAI_API_KEY=offline              # not checked

Try it:
  curl ${model.baseUrl}/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"${model.modelName}","messages":[{"role":"user","content":"Hello"}]}'

Queue faults for the next chat requests:
  curl ${root}/_offline/faults -H 'content-type: application/json' -d '{"faults":["http-429","none"]}'

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
