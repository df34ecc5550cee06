// The slice of the OpenAI chat-completions wire format that the chatbot, the offline model
// and the lessons speak. Plain JSON shapes: what goes over HTTP is exactly this.

export type Role = "system" | "developer" | "user" | "assistant" | "tool";

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: Role;
  /** null on an assistant message that only carries tool calls */
  content: string | null;
  tool_calls?: ToolCall[];
  /** on `tool` messages: the id of the call this message answers */
  tool_call_id?: string;
  /** optional: the tool's name on `tool` messages */
  name?: string;
}

export interface ToolDefinition {
  type: "function";
  function: {
    name: string;
    description: string;
    parameters: Record<string, unknown>;
  };
}

export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: "auto" | "none" | "required";
  temperature?: number;
  max_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  user?: string;
  /** "json_schema": answer with a JSON object of that schema (an LLM-as-judge asks this way) */
  response_format?: ResponseFormat;
}

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string } };

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** sent by OpenAI and many providers (the offline model: on demand); fields vary by provider */
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number };
  /** reasoning_tokens are part of completion_tokens */
  completion_tokens_details?: {
    reasoning_tokens?: number;
    audio_tokens?: number;
    accepted_prediction_tokens?: number;
    rejected_prediction_tokens?: number;
  };
  /** in US dollars: added by some proxies (LiteLLM, OpenRouter), never by OpenAI */
  cost?: number;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: ChatMessage & { role: "assistant" };
    finish_reason: FinishReason;
  }>;
  usage: Usage;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: "assistant"; content?: string | null; tool_calls?: ToolCallDelta[] };
    /** null until the last chunk at OpenAI; left out instead by some proxies (LiteLLM) */
    finish_reason?: FinishReason | null;
  }>;
  /** null on every chunk but the last when `stream_options.include_usage` is set (left out by some proxies) */
  usage?: Usage | null;
}

/** The error body OpenAI-compatible APIs return with a 4xx/5xx status. */
export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * What a gateway (LiteLLM, for one) streams when its upstream fails mid-answer: one last SSE
 * event with an error object and no `choices`, and no `data: [DONE]` after it. `type` may be
 * null and `code` a status as a string ("500").
 */
export interface StreamErrorEvent {
  error: { message: string; type?: string | null; param?: string | null; code?: string | number | null };
}

/** One event of a streamed answer: a chunk of it, or the error that ends it. */
export type ChatCompletionStreamEvent = ChatCompletionChunk | StreamErrorEvent;

// ---- embeddings: POST /v1/embeddings ---------------------------------------------------------

export interface EmbeddingRequest {
  model: string;
  /** one text, or several embedded in one request (the offline model takes text only, not token ids) */
  input: string | string[];
  /** "float" (the default): lists of numbers; "base64": each vector as the base64 of its little-endian float32 bytes */
  encoding_format?: "float" | "base64";
  /** a shorter vector (text-embedding-3 and later; the offline model too) */
  dimensions?: number;
  user?: string;
}

export interface Embedding {
  object: "embedding";
  index: number;
  /** a list of numbers, or base64 text when the request asked for encoding_format "base64" */
  embedding: number[] | string;
}

export interface EmbeddingResponse {
  object: "list";
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}
