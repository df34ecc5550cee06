// The chatbot: a conversation of chat turns. Each turn answers the user's message with the
// conversation so far in mind. The model may call tools (the weather, a calculator) before it
// answers: the agent loop runs them and asks again. A model that fails ends the turn with a reply
// that says what happened, not a crash. Traced: each turn is a CHAIN span (lesson 2), a failed turn
// stands out (lesson 6), and every span of a turn names its session, user, metadata and tags, so
// Phoenix shows the conversation as one session (lesson 7). The answer streams (lesson 8): its
// text is handed on as it arrives, and the user can stop it. Lesson 12 adds a retrieval step: the
// turn first finds the city guide's documents about the question, and the system prompt, built from
// a template, hands them to the model, which cites those it uses.
// Run it: npx tsx lessons/<lesson>/chatbot.ts "What's the weather in Paris?" "And in London?"  (no question: the lesson's own)
// From lesson 8 on, Ctrl-C while an answer streams stops that answer (the span says so); a second Ctrl-C quits.
import { randomUUID } from "node:crypto";
import { SpanStatusCode, context, trace } from "@opentelemetry/api";
import { setMetadata, setPromptTemplate, setSession, setTags, setUser } from "@arizeai/openinference-core";
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatMessage } from "../../shared/openai/types.ts";
import { isRunDirectly, runLessonEntry } from "../../shared/lesson-runner/run-entry.ts";
import { contextAttributes } from "./context-attributes.ts";
import { errorMessage, explainModelFailure, isModelFailure } from "./failure-replies.ts";
import { callModel, type CallOptions } from "./model-call.ts";
import { retrieve, type RetrievedDocument } from "./retrieval.ts";
import { runTool } from "./tool-call.ts";

/** The system prompt, as a template: each turn fills {documents} with what retrieval found. */
const PROMPT_TEMPLATE = [
  "You are a helpful assistant. Use the tools when they help. Answer in one or two sentences.",
  "Answer from the documents below when they hold the answer, and cite the id of each document you use in square brackets, like [paris-seasons].",
  "If none of them holds it, say so.",
  "",
  "Documents:",
  "{documents}",
].join("\n");
/** Which wording of the template a turn used: change it with the wording, and Phoenix tells the answers of each apart. */
const PROMPT_TEMPLATE_VERSION = "city-guide-1";

/** The template with each {name} replaced by its variable. */
function fillTemplate(template: string, variables: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => variables[name] ?? placeholder);
}

/** One line per document, "[id] text", as the template asks the model to cite them. */
function documentsForPrompt(found: RetrievedDocument[]): string {
  if (found.length === 0) return "(no document matched the question)";
  return found.map(({ document }) => `[${document.id}] ${document.content}`).join("\n");
}

/** Runs the turn's model calls (work) with the prompt template and the variables that filled it in mind. */
function withPromptTemplate<T>(variables: Record<string, string>, work: () => Promise<T>): Promise<T> {
  // TODO 5: each LLM span of the turn records how its prompt was made: run the work in a context that holds the
  //         template, its variables and its version (setPromptTemplate), as the turn's context holds its session.
  return work();
}

/** A model that keeps calling tools must not loop forever. */
const MAX_MODEL_CALLS = 5;

// A tracer is cheap; get it once. Its spans go to whatever provider is registered globally.
const tracer = trace.getTracer("workbook-chatbot");

/** One chat with one user: Phoenix groups the turns of a session id into one conversation. */
export interface Conversation {
  sessionId: string;
  userId: string;
  /** recorded on each turn's spans as JSON, with the turn's number added, e.g. {"channel":"terminal","turn":2} */
  metadata: Record<string, string | number | boolean>;
  /** labels to filter traces by in Phoenix, e.g. ["workbook"] */
  tags: string[];
  /** the user's questions and the assistant's replies so far, oldest first */
  messages: ChatMessage[];
}

export function newConversation(userId = "workbook-learner"): Conversation {
  return { sessionId: randomUUID(), userId, metadata: { channel: "terminal" }, tags: ["workbook"], messages: [] };
}

/** What the caller of a turn can pass: where the answer's text goes as it arrives (onText), and a way to stop it (signal). */
export type TurnOptions = CallOptions;

/** Asks the questions one after another in the same conversation; returns the replies. */
export async function runConversation(model: ModelConnection, conversation: Conversation, questions: string[], options: TurnOptions = {}): Promise<string[]> {
  const replies: string[] = [];
  for (const question of questions) replies.push(await chatTurn(model, conversation, question, options));
  return replies;
}

/** One turn of the conversation: answers the user with the history in mind, then adds both to it. */
export async function chatTurn(model: ModelConnection, conversation: Conversation, userMessage: string, options: TurnOptions = {}): Promise<string> {
  const turn = conversation.messages.filter((message) => message.role === "user").length + 1;
  // Context attributes live in the OpenTelemetry context: set them for this turn, and every span
  // started inside context.with(...) can read them (contextAttributes() copies them on).
  let turnContext = setSession(context.active(), { sessionId: conversation.sessionId });
  turnContext = setUser(turnContext, { userId: conversation.userId });
  turnContext = setMetadata(turnContext, { ...conversation.metadata, turn });
  turnContext = setTags(turnContext, conversation.tags);
  const reply = await context.with(turnContext, () => answer(model, conversation.messages, userMessage, options));
  conversation.messages.push({ role: "user", content: userMessage }, { role: "assistant", content: reply });
  return reply;
}

/** Ask the model; if it calls tools, run them, add the results, ask again; until it answers (or is stopped). */
async function runAgentLoop(model: ModelConnection, messages: ChatMessage[], options: TurnOptions): Promise<string> {
  for (let call = 1; call <= MAX_MODEL_CALLS; call++) {
    const streamed = await callModel(model, messages, options);
    const answer = streamed.message;
    messages.push(answer);
    // Stopped by the user: the reply is what arrived, and the tools of a cut answer are not run.
    if (streamed.stopped || !answer.tool_calls?.length) return answer.content ?? "";
    for (const toolCall of answer.tool_calls) {
      messages.push({ role: "tool", tool_call_id: toolCall.id, content: await runTool(toolCall) });
    }
  }
  return `I could not finish the answer within ${MAX_MODEL_CALLS} steps.`;
}

/**
 * The turn's work, traced: its CHAIN span and the agent loop inside it. chatTurn calls it in the
 * conversation's context; a caller that sets the context itself (a server, say) can call it too.
 */
export async function answer(model: ModelConnection, history: ChatMessage[], userMessage: string, options: TurnOptions = {}): Promise<string> {
  // startActiveSpan makes the span "current" inside the callback, so spans started there
  // (model calls and tool runs) become its children.
  return tracer.startActiveSpan(
    "chat_turn",
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
        [INPUT_VALUE]: userMessage,
        [INPUT_MIME_TYPE]: MimeType.TEXT,
        // session.id, user.id, metadata and tag.tags: on the root span, Phoenix reads the session from here.
        ...contextAttributes(),
      },
    },
    async (span) => {
      try {
        // Retrieval first: the documents about the question go into the system prompt.
        const variables = { documents: documentsForPrompt(await retrieve(model, userMessage)) };
        // The whole conversation so far, so the model understands "And in London?".
        const messages: ChatMessage[] = [{ role: "system", content: fillTemplate(PROMPT_TEMPLATE, variables) }, ...history, { role: "user", content: userMessage }];
        const reply = await withPromptTemplate(variables, () => runAgentLoop(model, messages, options));
        span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        span.setStatus({ code: SpanStatusCode.OK });
        return reply;
      } catch (error) {
        // Any error but a model's is a bug in the chatbot: it goes on up, with its stack.
        if (!isModelFailure(error)) throw error;
        // The LLM span already holds the exception. The turn fails gracefully: a useful reply for
        // the user, recorded as the turn's output, and an ERROR status so the failed turn stands out.
        const apology = explainModelFailure(error);
        span.setAttributes({ [OUTPUT_VALUE]: apology, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        span.setStatus({ code: SpanStatusCode.ERROR, message: `model call failed: ${errorMessage(error)}` });
        return apology;
      } finally {
        // A span that is never ended is never exported. `finally` ends it on every path.
        span.end();
      }
    },
  );
}

// Run as a script (not imported by a test): the lesson runs as lessons/lessons.json says.
if (isRunDirectly(import.meta.url)) void runLessonEntry(import.meta.url);
