// What the last line of every lesson's chatbot.ts runs: `npx tsx lessons/NN-slug/chatbot.ts`.
// The entry is the same file in every lesson (a module a lesson does not teach is carried
// unchanged), so how a lesson runs and what it asks when given no question live in
// lessons/lessons.json (`runs`, `ask`), and this picks the runner and loads the lesson's modules
// from the entry's own folder: the learner's copy, the solution, or a copy of either.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadCatalog, type Lesson } from "../lessons/catalog.ts";
import { runConversationLesson, type ConversationProgram } from "./run-conversation.ts";
import { runHttpLesson, type HttpLessonProgram } from "./run-http-lesson.ts";
import { runJudgedLesson, type JudgedLessonProgram } from "./run-judged-lesson.ts";
import { isRunDirectly, runLesson as runTurnLesson, type LessonProgram } from "./run-lesson.ts";

export { isRunDirectly };

type Tracing = Pick<LessonProgram, "setupTracing" | "phoenixExporter">;

/**
 * Runs the lesson whose folder holds this entry, as lessons.json says it runs. The entry calls it
 * without `await`: it loads the entry module itself, which cannot finish loading while its own
 * top level waits. It never rejects: what goes wrong is printed, with exit code 1.
 */
export async function runLessonEntry(entryUrl: string, argv = process.argv.slice(2)): Promise<void> {
  try {
    await runLesson(entryUrl, argv);
  } catch (error) {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    process.exitCode = 1;
  }
}

async function runLesson(entryUrl: string, argv: string[]): Promise<void> {
  const folder = path.dirname(fileURLToPath(entryUrl));
  const lesson = lessonOfFolder(folder);
  const load = async <Module>(file: string) => (await import(pathToFileURL(path.join(folder, file)).href)) as Module;
  const tracing = await load<Tracing>("tracing.ts");
  const questions = lesson.ask;
  switch (lesson.runs) {
    case "turn": {
      const { chatTurn } = await load<Pick<LessonProgram, "chatTurn">>(path.basename(fileURLToPath(entryUrl)));
      return runTurnLesson({ ...tracing, chatTurn, defaultQuestion: questions[0]! }, argv);
    }
    case "conversation":
    case "streamed conversation": {
      const chatbot = await load<Pick<ConversationProgram<{ sessionId: string; userId: string }>, "newConversation" | "chatTurn">>(path.basename(fileURLToPath(entryUrl)));
      return runConversationLesson({ ...tracing, ...pick(chatbot, "newConversation", "chatTurn"), streams: lesson.runs === "streamed conversation", defaultQuestions: questions }, argv);
    }
    case "client and server": {
      const { startChatServer } = await load<Pick<HttpLessonProgram, "startChatServer">>("chat-server.ts");
      const { askChatServer } = await load<Pick<HttpLessonProgram, "askChatServer">>("chat-client.ts");
      return runHttpLesson({ ...tracing, startChatServer, askChatServer, defaultQuestion: questions[0]! }, argv);
    }
    case "judged client and server": {
      const { startChatServer } = await load<Pick<JudgedLessonProgram, "startChatServer">>("chat-server.ts");
      const { askChatServer } = await load<Pick<JudgedLessonProgram, "askChatServer">>("chat-client.ts");
      return runJudgedLesson({ ...tracing, startChatServer, askChatServer, defaultQuestion: questions[0]! }, argv);
    }
  }
}

/** The catalog's lesson for a lesson folder (lessons/NN-slug, solutions/NN-slug, or a copy named the same). */
function lessonOfFolder(folder: string): Lesson {
  const slug = path.basename(folder);
  const lesson = loadCatalog().find((each) => each.slug === slug);
  if (!lesson) throw new Error(`${folder} is not a lesson folder: lessons/lessons.json names no lesson "${slug}".`);
  return lesson;
}

function pick<Module extends object, Key extends keyof Module>(module: Module, ...keys: Key[]): Pick<Module, Key> {
  return Object.fromEntries(keys.map((key) => [key, module[key]])) as Pick<Module, Key>;
}
