// What to tell the user when Phoenix did not take an annotation (a vote, an evaluation's
// verdict): not reachable, an API key missing or refused, or another refusal. One sentence that
// names the cause and the fix; the same failure gives the same sentence, so a caller can say it
// once. Errors are as @arizeai/phoenix-client throws them: an HttpError with the status when
// Phoenix answered, fetch's TypeError (its cause: ECONNREFUSED...) when nothing answered.
import { HttpError } from "@arizeai/phoenix-client";
import { phoenixAuthAdvice } from "./headers.ts";

/** e.g. "Phoenix is not reachable at http://localhost:6006 (connect ECONNREFUSED 127.0.0.1:6006): the vote was not saved. ..." */
export function whyPhoenixFailed(error: unknown, phoenixUrl: string, what: string, headers: Record<string, string> = {}): string {
  if (error instanceof HttpError) {
    if (error.status === 401 || error.status === 403) return `${capitalized(what)} ${wasOrWere(what)} not saved in Phoenix. ${phoenixAuthAdvice(error.status, headers)}`;
    return `Phoenix at ${phoenixUrl} refused ${what} (HTTP ${error.status} ${error.statusText}).`;
  }
  const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  return `Phoenix is not reachable at ${phoenixUrl} (${cause}): ${what} ${wasOrWere(what)} not saved. Start it with \`npm run phoenix\`, or set PHOENIX_COLLECTOR_ENDPOINT to where it runs.`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "the vote was", "the verdicts were". */
function wasOrWere(what: string): string {
  return /s$/.test(what) ? "were" : "was";
}
