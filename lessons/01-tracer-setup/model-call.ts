// One request to the model: the conversation so far, and the tools it may call, go in; its
// answer comes back. Lesson 3 traces it as an LLM span.
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { toolDefinitions } from "../../shared/chatbot/tools.ts";
import type { ChatCompletion, ChatCompletionRequest, ChatMessage } from "../../shared/openai/types.ts";

export async function callModel(model: ModelConnection, messages: ChatMessage[]): Promise<ChatCompletion> {
  const tools = toolDefinitions();
  const request: ChatCompletionRequest = { model: model.model, messages, tools, temperature: 0.2 };
  return model.createChatCompletion(request);
}
