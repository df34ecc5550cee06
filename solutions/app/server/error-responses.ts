// Every failure as `{ error: "<one sentence>" }` with the right status: the sentence names what
// was wrong with the request (or that the server failed) and never carries a stack trace.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { SpanStatusCode } from "@opentelemetry/api";
import { recordedIds } from "./http-span.ts";

/** What the client is told of a bug (a 500, or an error event mid-stream): the details are in the log and the trace. */
export const INTERNAL_ERROR_MESSAGE = "Something went wrong in the app while answering; the server's log has the details.";

/** Call before adding the routes: it records each route's methods, for the 405 answers. */
export function sendErrorsAsJson(app: FastifyInstance, { log = console.error }: { log?: (message: string) => void } = {}): void {
  // "/api/chat" -> ["POST"], "/api/traces/:traceId" -> ["GET", "HEAD"], ...
  const methodsByRoute = new Map<string, string[]>();
  app.addHook("onRoute", (route) => {
    const methods = methodsByRoute.get(route.url) ?? [];
    methodsByRoute.set(route.url, [...methods, ...[route.method].flat()]);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { statusCode, message } = describeError(error, app.initialConfig.bodyLimit ?? 1_048_576);
    if (statusCode >= 500) {
      // The details are for the server's log and the trace, not for the client.
      log(`${request.method} ${request.url} failed: ${error.stack ?? error.message}`);
      request.serverSpan?.span.recordException(error);
      request.serverSpan?.span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      // A traced request (a chat turn) that failed unexpectedly still names its trace, where
      // the exception is: every failed turn's answer has its traceId, as the model failures' do.
      const { traceId } = recordedIds(request.serverSpan?.span);
      if (traceId) return reply.code(statusCode).send({ error: message, traceId });
    }
    return reply.code(statusCode).send({ error: message });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    // A path that exists, asked with the wrong method (GET /api/chat): 405 and the methods it takes.
    const allowed = [...methodsByRoute].find(([route]) => routeMatches(route, path))?.[1];
    if (allowed) {
      return reply
        .code(405)
        .header("allow", allowed.join(", "))
        .send({ error: `${path} does not take ${request.method}: use ${allowed.filter((method) => method !== "HEAD").join(" or ")}.` });
    }
    return reply.code(404).send({
      error: `There is no ${request.method} ${path}. The API has POST /api/chat, POST /api/chat/stream, POST /api/feedback and GET /healthz.`,
    });
  });
}

/** Fastify's `frameworkErrors`: what goes wrong before any route runs, such as a URL that is not valid (/%ff). */
export function frameworkErrorAsJson(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === "FST_ERR_BAD_URL"
      ? "The URL is not valid: a % must start an escape such as %20 (UTF-8 encoded)."
      : `The request could not be routed (${error.message}).`;
  void reply.code(error.statusCode ?? 400).send({ error: message });
}

/** "/api/traces/:traceId" matches "/api/traces/4bf9..."; "/healthz" matches only itself. */
function routeMatches(route: string, path: string): boolean {
  const routeParts = route.split("/");
  const pathParts = path.split("/");
  return routeParts.length === pathParts.length && routeParts.every((part, i) => part.startsWith(":") || part === pathParts[i]);
}

function describeError(error: FastifyError, bodyLimit: number): { statusCode: number; message: string } {
  if (error.validation) {
    const where = error.validationContext ?? "body";
    const problems = error.validation.map((issue) => describeValidationIssue(where, issue));
    return { statusCode: 400, message: `Invalid request ${where}: ${problems.join("; ")}.` };
  }
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return { statusCode: 400, message: `The request body is not valid JSON (${error.message}).` };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { statusCode: 400, message: "The request body is empty: send a JSON object." };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { statusCode: 413, message: `The request body is too large: the limit is ${bodyLimit} bytes.` };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { statusCode: 415, message: "Send the request body as JSON, with the header content-type: application/json." };
  }
  // Fastify's JSON parser reports a syntax error as a plain SyntaxError with status 400.
  if (error instanceof SyntaxError) return { statusCode: 400, message: `The request body is not valid JSON (${error.message}).` };
  const statusCode = error.statusCode ?? 500;
  if (statusCode < 500) return { statusCode, message: error.message };
  return { statusCode: 500, message: INTERNAL_ERROR_MESSAGE };
}

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** "/messages/0/role" + enum -> 'messages[0].role must be one of: user, assistant' */
function describeValidationIssue(where: string, issue: ValidationIssue): string {
  const path = fieldPath(issue.instancePath);
  const field = path || `the ${where}`;
  switch (issue.keyword) {
    case "required":
      return `${path ? `${path}.` : ""}${String(issue.params.missingProperty)} is missing`;
    case "additionalProperties":
      return `${field} has an unknown field "${String(issue.params.additionalProperty)}"`;
    case "enum":
      return `${field} must be one of: ${(issue.params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(", ")}`;
    case "type":
      return `${field} must be ${/^[aeiou]/.test(String(issue.params.type)) ? "an" : "a"} ${String(issue.params.type)}`;
    default:
      return `${field} ${issue.message ?? "is invalid"}`;
  }
}

/** A JSON pointer as the field is written in code: "/messages/0/role" -> "messages[0].role" */
function fieldPath(instancePath: string): string {
  let path = "";
  for (const part of instancePath.split("/").filter(Boolean)) {
    if (/^\d+$/.test(part)) path += `[${part}]`; // an array index
    else if (path === "") path = part;
    else path += `.${part}`;
  }
  return path;
}
