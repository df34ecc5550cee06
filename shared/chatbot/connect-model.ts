// Which model the chatbot talks to: a real OpenAI-compatible provider when the environment
// names one, otherwise the workbook's offline model, started in this process.
import { startOfflineModel, type OfflineModel } from "../model/offline-model.ts";
import { createModelClient, type ModelClient } from "./model-client.ts";
import { redactUrlCredentials } from "../phoenix/url-credentials.ts";

export interface ModelConnection extends ModelClient {
  /** the model name sent in each request (OPENAI_MODEL, or the offline model's name) */
  model: string;
  /**
   * who serves it, for `llm.provider`: OPENAI_PROVIDER when set (a gateway or self-hosted server
   * cannot be told from its host), else a guess from the host ("openai", "ollama", ..., the host
   * name itself), or "offline"
   */
  provider: string;
  /** for display: any user:password@ in it is shown as ***@ (the client sends the real one) */
  baseUrl: string;
  /** the in-process offline model, when that is what we talk to (tests inject faults through it) */
  offlineModel?: OfflineModel;
  /** Stops the offline model if this connection started it. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  env?: NodeJS.ProcessEnv;
  /** use this already running offline model instead of starting one */
  offlineModel?: OfflineModel;
  timeoutMs?: number;
  /**
   * Only for the offline model this starts: serve POST /_offline/faults (faults queued from
   * another process). Default true (the lessons' runs); the app turns it off unless asked.
   */
  faultRoute?: boolean;
}

export async function connectModel({ env = process.env, offlineModel, timeoutMs, faultRoute }: ConnectOptions = {}): Promise<ModelConnection> {
  const wantsProvider = Boolean(env.OPENAI_BASE_URL || env.OPENAI_API_KEY) && !offlineModel;
  if (wantsProvider) {
    const baseUrl = env.OPENAI_BASE_URL || "https://api.openai.com/v1";
    const client = createModelClient({ baseUrl, apiKey: env.OPENAI_API_KEY, timeoutMs });
    return {
      ...client,
      model: env.OPENAI_MODEL || "gpt-4o-mini",
      provider: env.OPENAI_PROVIDER?.trim().toLowerCase() || providerFromBaseUrl(baseUrl),
      baseUrl: redactUrlCredentials(baseUrl),
      async close() {},
    };
  }
  const ownsModel = !offlineModel;
  const offline = offlineModel ?? (await startOfflineModel(faultRoute === undefined ? {} : { faultRoute }));
  const client = createModelClient({ baseUrl: offline.baseUrl, timeoutMs });
  return {
    ...client,
    model: env.OPENAI_MODEL || offline.modelName,
    provider: "offline",
    baseUrl: offline.baseUrl,
    offlineModel: offline,
    async close() {
      if (ownsModel) await offline.close();
    },
  };
}

// Host suffixes of well-known OpenAI-compatible providers, as OpenInference names them.
const PROVIDER_BY_HOST: Array<[suffix: string, provider: string]> = [
  ["openai.com", "openai"],
  ["openai.azure.com", "azure"],
  ["anthropic.com", "anthropic"],
  ["googleapis.com", "google"],
  ["mistral.ai", "mistralai"],
  ["deepseek.com", "deepseek"],
  ["x.ai", "xai"],
  ["groq.com", "groq"],
  ["together.xyz", "together"],
  ["openrouter.ai", "openrouter"],
  ["fireworks.ai", "fireworks"],
];

/** `llm.provider` from the base URL: the host actually called. */
export function providerFromBaseUrl(baseUrl: string): string {
  let host: string;
  let port: string;
  try {
    ({ hostname: host, port } = new URL(baseUrl));
  } catch {
    return "unknown";
  }
  host = host.toLowerCase();
  const known = PROVIDER_BY_HOST.find(([suffix]) => host === suffix || host.endsWith(`.${suffix}`));
  if (known) return known[1];
  if (port === "11434") return "ollama";
  if (port === "1234") return "lmstudio";
  return host;
}
