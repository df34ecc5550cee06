// The mutants of a lesson's solution: copies with one instrumentation line removed or altered,
// each a mistake a learner could make. Found on the syntax tree (TypeScript's parser), so
// formatting does not matter and only instrumentation is touched, never the chatbot's logic.
import ts from "typescript";

export interface Mutant {
  /** stable across edits elsewhere in the file: "<file>: <operator>: <code>[ #n]" */
  id: string;
  file: string;
  operator: string;
  /** 1-based line of the change, for the report */
  line: number;
  /** the whole mutated file */
  text: string;
}

/** Span, tracer-setup and exporter calls whose statement is removed one at a time. */
const REMOVABLE_CALLS = new Set([
  "setAttribute",
  "setAttributes",
  "setStatus",
  "recordException",
  "addEvent",
  "end",
  "setGlobalTracerProvider",
  "setGlobalContextManager",
  "setGlobalPropagator",
  "inject",
]);
/** Constructors whose options are instrumentation (provider, exporter): each option is removed in turn. */
const INSTRUMENTATION_CONSTRUCTORS = /TracerProvider$|Exporter$|SpanProcessor$/;
const KIND_SWAPS: Record<string, string> = { CHAIN: "AGENT", LLM: "CHAIN", TOOL: "CHAIN", AGENT: "CHAIN", RETRIEVER: "CHAIN", EMBEDDING: "CHAIN" };
const VALUE_SWAPS: Record<string, Record<string, string>> = {
  SpanStatusCode: { OK: "ERROR", ERROR: "OK" },
  MimeType: { TEXT: "JSON", JSON: "TEXT" },
  SpanKind: { SERVER: "INTERNAL", CLIENT: "INTERNAL" },
};
// Not mutated: AsyncLocalStorageContextManager's enable(), a no-op for that manager (it matters
// only for the older AsyncHooksContextManager), so leaving it out is no mistake.

/** The import a "lost parent" mutant adds, to start a span in the empty root context. */
const ROOT_CONTEXT_IMPORT = 'import { ROOT_CONTEXT as __mutantRootContext } from "@opentelemetry/api";\n';
/** The import an "extract into the active context" mutant adds. */
const CONTEXT_IMPORT = 'import { context as __mutantContext } from "@opentelemetry/api";\n';

interface Edit {
  operator: string;
  start: number;
  end: number;
  replacement: string;
  /** what the edit touches, for the id */
  code: string;
  addImport?: string;
}

export function mutantsOf(file: string, source: string): Mutant[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: Edit[] = [];
  const codeOf = (node: ts.Node) => node.getText(tree).split("\n")[0]!.trim().slice(0, 100);

  const visit = (node: ts.Node): void => {
    // 1. Remove a span/setup call statement (an attribute, a status, an exception, an end, a registration).
    if (ts.isExpressionStatement(node) && ts.isCallExpression(node.expression)) {
      const callee = node.expression.expression;
      if (ts.isPropertyAccessExpression(callee) && REMOVABLE_CALLS.has(callee.name.text)) {
        edits.push({ operator: "remove call", start: node.getStart(tree), end: node.getEnd(), replacement: "{}", code: codeOf(node) });
      }
    }
    // 2. Remove an attribute written by index: attributes[key + MESSAGE_ROLE] = ...
    if (ts.isExpressionStatement(node) && ts.isBinaryExpression(node.expression) && node.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isElementAccessExpression(node.expression.left)) {
      edits.push({ operator: "remove attribute", start: node.getStart(tree), end: node.getEnd(), replacement: "{}", code: codeOf(node) });
    }
    // 3. Remove an attribute from an attributes object ([KEY]: value, ...spread) or an option of a provider/exporter.
    if (ts.isObjectLiteralExpression(node)) {
      const instrumentationOptions = isArgumentOf(node, INSTRUMENTATION_CONSTRUCTORS) || isStatusArgument(node);
      for (const property of node.properties) {
        const attribute = (ts.isPropertyAssignment(property) && ts.isComputedPropertyName(property.name)) || ts.isSpreadAssignment(property);
        if (attribute || instrumentationOptions) {
          edits.push({ operator: attribute ? "remove attribute" : "remove option", start: property.getStart(tree), end: endWithComma(source, property.getEnd()), replacement: "", code: codeOf(property) });
        }
      }
    }
    // 4. Another span kind, status code or MIME type.
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const owner = node.expression.text;
      const swap = owner === "OpenInferenceSpanKind" ? KIND_SWAPS[node.name.text] : VALUE_SWAPS[owner]?.[node.name.text];
      if (swap) {
        edits.push({ operator: `${owner}.${node.name.text} -> ${swap}`, start: node.name.getStart(tree), end: node.name.getEnd(), replacement: swap, code: codeOf(node.parent) });
      }
    }
    // 5. A lost parent: the span is started in the empty root context instead of the active one.
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "startActiveSpan" && node.arguments.length === 3) {
      const callback = node.arguments[2]!;
      edits.push({
        operator: "start in the root context",
        start: callback.getStart(tree),
        end: callback.getStart(tree),
        replacement: "__mutantRootContext, ",
        code: codeOf(node),
        addImport: ROOT_CONTEXT_IMPORT,
      });
    }
    // 5b. A context not entered: context.with(someContext, callback) becomes callback(), so the work
    //     runs in whatever context was active (the session, the baggage, the caller's span lost).
    if (ts.isCallExpression(node) && isContextCall(node, "with") && node.arguments.length >= 2) {
      const callback = node.arguments[1]!;
      edits.push({ operator: "run outside the context", start: node.getStart(tree), end: node.getEnd(), replacement: `(${callback.getText(tree)})()`, code: codeOf(node) });
    }
    // 5c. A caller's context extracted into the active context instead of the empty ROOT_CONTEXT.
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "extract" && node.arguments[0] && ts.isIdentifier(node.arguments[0]) && node.arguments[0].text === "ROOT_CONTEXT") {
      const base = node.arguments[0];
      edits.push({ operator: "extract into the active context", start: base.getStart(tree), end: base.getEnd(), replacement: "__mutantContext.active()", code: codeOf(node), addImport: CONTEXT_IMPORT });
    }
    // 6. An error swallowed: the rethrow of a catch block that records the error on the span
    //    removed. (A rethrow under a condition, or the throw of another error, is the chatbot's
    //    own logic: which errors it answers and which are bugs.)
    if (ts.isThrowStatement(node) && isRethrowAfterRecording(node)) {
      edits.push({ operator: "swallow the error", start: node.getStart(tree), end: node.getEnd(), replacement: "{}", code: codeOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);

  const seen = new Map<string, number>();
  return edits.map((edit) => {
    const base = `${file}: ${edit.operator}: ${edit.code}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    const text = (edit.addImport ?? "") + source.slice(0, edit.start) + edit.replacement + source.slice(edit.end);
    return {
      id: count === 1 ? base : `${base} #${count}`,
      file,
      operator: edit.operator,
      line: tree.getLineAndCharacterOfPosition(edit.start).line + 1,
      text,
    };
  });
}

/** context.<method>(...) of the OpenTelemetry API. */
function isContextCall(node: ts.CallExpression, method: string): boolean {
  const callee = node.expression;
  return ts.isPropertyAccessExpression(callee) && callee.name.text === method && ts.isIdentifier(callee.expression) && callee.expression.text === "context";
}

function isArgumentOf(node: ts.Node, constructors: RegExp): boolean {
  const parent = node.parent;
  return ts.isNewExpression(parent) && constructors.test(parent.expression.getText()) && ((parent.arguments ?? []) as readonly ts.Node[]).includes(node);
}

/** The `{ code, message }` of span.setStatus(...): its message is removed in turn. */
function isStatusArgument(node: ts.Node): boolean {
  const parent = node.parent;
  return ts.isCallExpression(parent) && ts.isPropertyAccessExpression(parent.expression) && parent.expression.name.text === "setStatus";
}

/** `throw <the caught error>` as a statement of a catch block that records it on a span (recordException, setStatus). */
function isRethrowAfterRecording(node: ts.ThrowStatement): boolean {
  const block = node.parent;
  if (!ts.isBlock(block) || !ts.isCatchClause(block.parent)) return false;
  const caught = block.parent.variableDeclaration?.name;
  if (!caught || !ts.isIdentifier(caught) || !node.expression || !ts.isIdentifier(node.expression) || node.expression.text !== caught.text) return false;
  return block.statements.some((statement) => {
    if (!ts.isExpressionStatement(statement) || !ts.isCallExpression(statement.expression)) return false;
    const callee = statement.expression.expression;
    return ts.isPropertyAccessExpression(callee) && (callee.name.text === "recordException" || callee.name.text === "setStatus");
  });
}

/** Include the comma after a removed property, so the object stays valid. */
function endWithComma(source: string, end: number): number {
  const after = /^\s*,/.exec(source.slice(end));
  return after ? end + after[0].length : end;
}
