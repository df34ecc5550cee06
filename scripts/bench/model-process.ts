// The offline model for `npm run bench`, in a process of its own so that its work is not
// counted as the app's: no pause between streamed chunks, no fault route.
//
//   node --import tsx scripts/bench/model-process.ts     prints "listening on http://127.0.0.1:<port>/v1"
import { startOfflineModel } from "../../shared/model/offline-model.ts";

const model = await startOfflineModel({ streamChunkDelayMs: 0, faultRoute: false });
console.log(`listening on ${model.baseUrl}`);
process.on("SIGTERM", () => void model.close().then(() => process.exit(0)));
