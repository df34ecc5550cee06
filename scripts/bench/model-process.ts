// The offline model for `npm run bench`, in a process of its own so that its work is not
// counted as the app's: no fault route; at a provider's pace when BENCH_MODEL_LATENCY says so
// ("400,30": the first token after 400 ms, chunks 30 ms apart), otherwise at once (its chunks
// back to back).
//
//   node --import tsx scripts/bench/model-process.ts     prints "listening on http://127.0.0.1:<port>/v1"
import { parseLatency } from "../../shared/model/latency.ts";
import { startOfflineModel } from "../../shared/model/offline-model.ts";

const latency = parseLatency(process.env.BENCH_MODEL_LATENCY || "0,0");
const paced = latency.firstTokenMs > 0 || latency.chunkMs > 0;
const model = await startOfflineModel({ streamChunkDelayMs: 0, faultRoute: false, ...(paced ? { latency } : {}) });
console.log(`listening on ${model.baseUrl}`);
process.on("SIGTERM", () => void model.close().then(() => process.exit(0)));
