// Which model the chatbot talks to: a real OpenAI-compatible provider when the environment
// names one, otherwise the workbook's offline model, started in this process.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModel } from "ai";
import { startOfflineModel, type OfflineModel } from "../model/offline-model.ts";
import { createModelClient, type ModelClient } from "./model-client.ts";
import { redactUrlCredentials, splitUrlCredentials } from "../phoenix/url-credentials.ts";

export interface ModelConnection extends ModelClient {
  /** the model name sent in each request (OPENAI_MODEL, or the offline model's name) */
  model: string;
  /** the embedding model, for retrieval (OPENAI_EMBEDDING_MODEL, or text-embedding-3-small at a provider, or the offline model's) */
  embeddingModel: string;
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
  /**
   * The same model for libraries built on the AI SDK (the LLM-as-judge evaluators of
   * @arizeai/phoenix-evals): an OpenAI-compatible provider at the same base URL, with the same key,
   * asking for structured outputs (response_format json_schema), which the offline model answers.
   */
  languageModel(): LanguageModel;
  /** Stops the offline model if this connection started it. */
  close(): Promise<void>;
}

/** An AI SDK model at an OpenAI-compatible base URL (credentials in the URL go as Basic authorization, as the chatbot's client sends them). */
function aiSdkModel(baseUrl: string, apiKey: string | undefined, model: string, provider: string): LanguageModel {
  const { url, authorization } = splitUrlCredentials(baseUrl);
  const headers = !apiKey && authorization ? { authorization } : undefined;
  return createOpenAICompatible({ name: provider, baseURL: url, apiKey, headers, supportsStructuredOutputs: true })(model);
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

/** What the offline model's embeddings are called (it answers to any name). */
export const OFFLINE_EMBEDDING_MODEL = "workbook-offline-embedding";

export async function connectModel({ env = process.env, offlineModel, timeoutMs, faultRoute }: ConnectOptions = {}): Promise<ModelConnection> {
  const wantsProvider = Boolean(env.OPENAI_BASE_URL || env.OPENAI_API_KEY) && !offlineModel;
  if (wantsProvider) {
    const baseUrl = env.OPENAI_BASE_URL || "https://api.openai.com/v1";
    const client = createModelClient({ baseUrl, apiKey: env.OPENAI_API_KEY, timeoutMs });
    const model = env.OPENAI_MODEL || "gpt-4o-mini";
    const provider = env.OPENAI_PROVIDER?.trim().toLowerCase() || providerFromBaseUrl(baseUrl);
    return {
      ...client,
      model,
      provider,
      embeddingModel: env.OPENAI_EMBEDDING_MODEL || "text-embedding-3-small",
      baseUrl: redactUrlCredentials(baseUrl),
      languageModel: () => aiSdkModel(baseUrl, env.OPENAI_API_KEY, model, provider),
      async close() {},
    };
  }
  const ownsModel = !offlineModel;
  const offline = offlineModel ?? (await startOfflineModel(faultRoute === undefined ? {} : { faultRoute }));
  const client = createModelClient({ baseUrl: offline.baseUrl, timeoutMs });
  const model = env.OPENAI_MODEL || offline.modelName;
  return {
    ...client,
    model,
    embeddingModel: env.OPENAI_EMBEDDING_MODEL || OFFLINE_EMBEDDING_MODEL,
    provider: "offline",
    languageModel: () => aiSdkModel(offline.baseUrl, undefined, model, "offline"),
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
