// The malformed requests of the fuzz scenario, made from a seed: the same seed, the same bytes.
// Each family breaks one thing (the JSON, a field's type, the size, the method, the content
// type, a header, the URL, the text's encoding, the nesting, the HTTP framing itself) and says
// what a right answer is: any 4xx with a JSON `{ error }` body, or one of the few successes a
// request that is odd but valid earns (a question in Cuneiform gets its 200, a trace link its 302).
import { BODY_LIMIT_BYTES, MAX_CONVERSATION_BYTES, MAX_MESSAGE_LENGTH, MAX_MESSAGES } from "../../solutions/app/server/limits.ts";
import type { Random } from "./seeded-random.ts";

/** Does the request reach the chat route, so that the app starts (and must end and send) a SERVER span for it? */
export type ServerSpanExpectation = "yes" | "no" | "maybe";

export interface FuzzCase {
  /** e.g. "bad JSON", "wrong types", "host" */
  family: string;
  /** what is wrong with it, in a few words */
  label: string;
  /** the route it aims at, e.g. "POST /api/chat" */
  route: string;
  /** the request, byte for byte */
  bytes: Buffer;
  head: boolean;
  /** answers below 400 that are right for it (the request is odd but valid); a 4xx with `{ error }` always is */
  okStatuses: number[];
  /** the request never completes (a lying content-length, nothing sent): the app may leave it unanswered */
  mayGoUnanswered: boolean;
  /** how long to wait for an answer */
  timeoutMs: number;
  /** the client closes its side once the bytes are sent */
  halfClose: boolean;
  serverSpan: ServerSpanExpectation;
  /** the trace id of the valid traceparent it carries (for finding its SERVER span); absent when its traceparent is the thing broken */
  traceId?: string;
}

export const ROUTES = [
  "POST /api/chat",
  "POST /api/chat/stream",
  "POST /api/feedback",
  "GET /api/traces/:traceId",
  "GET /healthz",
  "GET /",
  "GET /style.css",
  "GET /main.js",
] as const;

interface Draft {
  label: string;
  route: (typeof ROUTES)[number] | "(no route)";
  method?: string;
  target?: string;
  version?: string;
  /** replace the default header of the same name, or add; in this order after the defaults */
  headers?: Array<[string, string]>;
  /** default headers to leave out (host, content-type, content-length, connection, traceparent) */
  without?: string[];
  body?: string | Buffer;
  /** the whole request as is: no defaults */
  raw?: string | Buffer;
  ok?: number[];
  unanswered?: boolean;
  timeoutMs?: number;
  halfClose?: boolean;
  serverSpan?: ServerSpanExpectation;
}

type Family = { name: string; weight: number; make: (random: Random, count: number) => Draft[] };

// ---- building blocks -------------------------------------------------------------------------

const QUESTIONS = ["hello", "What's the weather in Paris?", "calculate 12 * 7", "hi there", "What did I ask first?"];

function conversation(random: Random): Array<{ role: string; content: string }> {
  const turns = random.int(0, 2);
  const messages: Array<{ role: string; content: string }> = [];
  for (let i = 0; i < turns; i++) messages.push({ role: "user", content: random.pick(QUESTIONS) }, { role: "assistant", content: "Sure." });
  messages.push({ role: "user", content: random.pick(QUESTIONS) });
  return messages;
}

const chatBody = (random: Random) => JSON.stringify({ messages: conversation(random) });
const traceIdHex = () => "0123456789abcdef".repeat(2);
const latin1 = (text: string) => Buffer.from(text, "latin1");

/** In a raw request, this line becomes a valid traceparent (so its SERVER span can be found). */
const TRACEPARENT_LINE = "{traceparent}\r\n";

/** of the requests meant for POST /api/chat, the part sent to POST /api/chat/stream instead */
const STREAMED_SHARE = 0.35;

function encode(draft: Draft, random: Random): { bytes: Buffer; traceId?: string; route: Draft["route"] } {
  if (typeof draft.raw === "string" && draft.raw.includes(TRACEPARENT_LINE)) {
    const traceId = random.hex(32);
    return { bytes: latin1(draft.raw.replace(TRACEPARENT_LINE, `traceparent: 00-${traceId}-${random.hex(16)}-01\r\n`)), traceId, route: draft.route };
  }
  if (draft.raw !== undefined) return { bytes: typeof draft.raw === "string" ? latin1(draft.raw) : draft.raw, route: draft.route };
  const [routeMethod, routePath] = draft.route === "(no route)" ? ["GET", "/"] : draft.route.split(" ");
  const method = draft.method ?? routeMethod!;
  const target = draft.target ?? routePath!.replace(":traceId", random.hex(32));
  // The streamed chat takes the same requests as the plain one: a share of them goes there.
  if (draft.route === "POST /api/chat" && draft.target === undefined && random.next() < STREAMED_SHARE) {
    return encode({ ...draft, route: "POST /api/chat/stream", target: "/api/chat/stream" }, random);
  }
  const body = draft.body === undefined ? undefined : typeof draft.body === "string" ? Buffer.from(draft.body, "utf8") : draft.body;
  const traceId = draft.route === "POST /api/chat" || draft.route === "POST /api/chat/stream" ? random.hex(32) : undefined;
  const defaults: Array<[string, string]> = [
    ["Host", "127.0.0.1"],
    ...(traceId ? ([["traceparent", `00-${traceId}-${random.hex(16)}-01`]] as Array<[string, string]>) : []),
    ...(body ? ([["Content-Type", "application/json"], ["Content-Length", String(body.length)]] as Array<[string, string]>) : []),
    ["Connection", "close"],
  ];
  const replaced = new Set((draft.headers ?? []).map(([name]) => name.toLowerCase()));
  const without = new Set((draft.without ?? []).map((name) => name.toLowerCase()));
  const headers = [...defaults.filter(([name]) => !replaced.has(name.toLowerCase()) && !without.has(name.toLowerCase())), ...(draft.headers ?? [])];
  const head = latin1(`${method} ${target} ${draft.version ?? "HTTP/1.1"}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\n`);
  const sentTraceId = traceId && headers.some(([name, value]) => name === "traceparent" && value.includes(traceId)) ? traceId : undefined;
  return { bytes: body ? Buffer.concat([head, body]) : head, traceId: sentTraceId, route: draft.route };
}

// ---- the families ----------------------------------------------------------------------------

/** JSON that is not JSON: each of these is invalid whatever the conversation. */
const badJson: Family = {
  name: "bad JSON",
  weight: 10,
  make: (random, count) =>
    Array.from({ length: count }, (_, i): Draft => {
      const route = i % 4 === 3 ? "POST /api/feedback" : "POST /api/chat";
      const valid = route === "POST /api/chat" ? JSON.stringify({ messages: [{ role: "user", content: "hello" }, ...conversation(random)] }) : '{"spanId":"0123456789abcdef","score":1}';
      const breakers: Array<[string, () => string]> = [
        ["cut off", () => valid.slice(0, random.int(1, valid.length - 1))],
        ["empty", () => ""],
        ["only whitespace", () => " \n\t ".repeat(random.int(1, 50))],
        ["trailing garbage", () => valid + random.pick(["x", "}", "]", ",", "{}", " null", "\u0000", ";"])],
        ["leading garbage", () => random.pick(["x", "[", ",", ")]}'\n", "\u0000"]) + valid],
        ["= for :", () => valid.replace(":", "=")],
        ["single quotes", () => valid.replaceAll('"', "'")],
        ["unquoted keys", () => valid.replace(/"(\w+)":/g, "$1:")],
        ["trailing comma", () => `${valid.slice(0, -1)},}`],
        ["comma before ]", () => valid.replace("]", ",]")],
        ["NaN", () => valid.replace(/"content":"[^"]*"/, '"content":NaN').replace('"score":1', '"score":NaN')],
        ["a comment", () => `/* hi */${valid}`],
        ["raw control character in a string", () => valid.replace(/"([a-z])/, `"$1${String.fromCharCode(random.int(0, 31))}`)],
        ["bad escape", () => valid.replace(/"([a-z])/, `"${random.pick(["\\x41", "\\u12", "\\uZZZZ", "\\'", "\\"])}$1`)],
        ["bad number", () => `${valid.slice(0, -1)},"n":${random.pick(["01", "1.", ".5", "+1", "1e", "0x10", "-"])}}`],
        ["missing ]", () => valid.replace("]", "")],
        ["unclosed string", () => valid.slice(0, valid.lastIndexOf('"'))],
        ["two objects", () => valid + valid],
      ];
      const [label, make] = random.pick(breakers);
      const body = make();
      // A breaker that found nothing to break in this body (no "]" in feedback): cut it instead.
      return body === valid ? { label: "cut off", route, body: valid.slice(0, -1), serverSpan: route === "POST /api/chat" ? "yes" : "no" } : { label, route, body, serverSpan: route === "POST /api/chat" ? "yes" : "no" };
    }),
};

/** Valid JSON, wrong shape: every one breaks the chat schema or a rule after it. */
const wrongTypes: Family = {
  name: "wrong types",
  weight: 12,
  make: (random, count) => {
    const notString = () => random.pick<unknown>([null, 1, -1, 0.5, true, false, [], {}, [1], { a: 1 }, ["hi"], 1e308]);
    const breakers: Array<[string, (messages: Array<Record<string, unknown>>) => unknown]> = [
      ["root is not an object", () => random.pick<unknown>([null, 1, "messages", true, [], [{ messages: [] }]])],
      ["no messages", () => ({ sessionId: "abc" })],
      ["messages is not an array", () => ({ messages: random.pick<unknown>([null, {}, "hello", 1, true, { role: "user", content: "hi" }]) })],
      ["no messages at all", () => ({ messages: [] })],
      [`${MAX_MESSAGES + 1} messages`, () => ({ messages: Array.from({ length: MAX_MESSAGES + 1 }, (_, k) => ({ role: k % 2 ? "assistant" : "user", content: "hi" })) })],
      ["a message is not an object", (messages) => ({ messages: [...messages.slice(0, -1), random.pick<unknown>([null, "hello", 1, [], true]), ...messages.slice(-1)] })],
      ["role missing", (messages) => ({ messages: messages.map((m, k) => (k === 0 ? { content: m.content } : m)) })],
      ["content missing", (messages) => ({ messages: messages.map((m, k) => (k === messages.length - 1 ? { role: m.role } : m)) })],
      ["role of another type", (messages) => ({ messages: messages.map((m, k) => (k === 0 ? { ...m, role: notString() } : m)) })],
      [
        "unknown role",
        (messages) => ({ messages: messages.map((m, k) => (k === 0 ? { ...m, role: random.pick(["system", "tool", "USER", "User", "user ", " user", "developer", "function", "usér", "assistant\u0000"]) } : m)) }),
      ],
      ["content of another type", (messages) => ({ messages: messages.map((m, k) => (k === messages.length - 1 ? { ...m, content: notString() } : m)) })],
      ["content as OpenAI parts", (messages) => ({ messages: messages.map((m, k) => (k === messages.length - 1 ? { ...m, content: [{ type: "text", text: "hi" }] } : m)) })],
      [`a message of ${MAX_MESSAGE_LENGTH + 1} characters`, (messages) => ({ messages: [...messages.slice(0, -1), { role: "user", content: "a".repeat(MAX_MESSAGE_LENGTH + 1) }] })],
      ["an unknown field in a message", (messages) => ({ messages: messages.map((m, k) => (k === 0 ? { ...m, [random.pick(["name", "tool_calls", "Role", "tool_call_id", ""])]: "x" } : m)) })],
      ["an unknown field", (messages) => ({ messages, [random.pick(["model", "stream", "temperature", "messages ", "", "tools", "__proto__x"])]: random.pick<unknown>([true, "gpt-4o", 2, []]) })],
      ["the last message is the assistant's", (messages) => ({ messages: [...messages, { role: "assistant", content: "Hi!" }] })],
      ["a blank question", (messages) => ({ messages: [...messages.slice(0, -1), { role: "user", content: random.pick(["", " ", "\n\t ", "\u00a0", "\u2028", "\ufeff", "\u3000 "]) }] })],
      [
        "a bad sessionId",
        (messages) => ({ messages, sessionId: random.pick<unknown>(["", "a".repeat(129), "a b", "é", "../../etc/passwd", "a/b", "a\nb", "<script>", 1, null, true, [], {}]) }),
      ],
      [
        `over ${MAX_CONVERSATION_BYTES} bytes of text`,
        () => ({ messages: Array.from({ length: 15 }, (_, k) => ({ role: k % 2 ? "assistant" : "user", content: "é".repeat(MAX_MESSAGE_LENGTH - 10) })) }),
      ],
    ];
    return Array.from({ length: count }, (): Draft => {
      const [label, make] = random.pick(breakers);
      return { label, route: "POST /api/chat", body: JSON.stringify(make(conversation(random))), serverSpan: "yes" };
    });
  },
};

/** The feedback route's two fields, wrong; and a few right ones (the fake Phoenix takes them: 200). */
const feedbackFields: Family = {
  name: "feedback fields",
  weight: 5,
  make: (random, count) => {
    const spanIds: unknown[] = ["", "0123456789abcde", "0123456789abcdef0", "0123456789ABCDEF", "zzzzzzzzzzzzzzzz", "0123456789abcde ", 1234567890123456, null, [], {}, "é123456789abcdef", "0123456789abcdef\n"];
    const scores: unknown[] = [2, -1, 0.5, "1", "0", true, false, null, [], {}, 1e300, "thumbs-up"];
    return Array.from({ length: count }, (_, i): Draft => {
      const spanId = random.hex(16);
      const cases: Array<[string, string, number[]]> = [
        ["spanId wrong", JSON.stringify({ spanId: random.pick(spanIds), score: 1 }), []],
        ["score wrong", JSON.stringify({ spanId, score: random.pick(scores) }), []],
        ["spanId missing", JSON.stringify({ score: 0 }), []],
        ["score missing", JSON.stringify({ spanId }), []],
        ["an unknown field", JSON.stringify({ spanId, score: 1, comment: "great" }), []],
        ["root is not an object", JSON.stringify(random.pick<unknown>([null, [], 1, "x"])), []],
        ["score 1.0 (an integer in JSON)", `{"spanId":"${spanId}","score":1.0}`, [200]],
        ["a right one", JSON.stringify({ spanId, score: random.int(0, 1) }), [200]],
      ];
      const [label, body, ok] = cases[i % cases.length]!;
      return { label, route: "POST /api/feedback", body, ok };
    });
  },
};

/** Bodies over the 1 MiB limit, one way or another; and the largest conversation allowed (200). */
const hugeBodies: Family = {
  name: "huge bodies",
  weight: 0, // a fixed number: each one is a megabyte or two
  make: (random, count) =>
    Array.from({ length: count }, (_, i): Draft => {
      const over = BODY_LIMIT_BYTES + random.int(1, 512 * 1024);
      const bigChat = (bytes: number) => JSON.stringify({ messages: [{ role: "user", content: "a".repeat(bytes - 40) }] });
      const variants: Array<() => Draft> = [
        () => ({ label: `a ${over}-byte chat body`, route: "POST /api/chat", body: bigChat(over), serverSpan: "yes" }),
        () => ({ label: "a 2 MiB feedback body", route: "POST /api/feedback", body: JSON.stringify({ spanId: "0123456789abcdef", score: 1, pad: "x".repeat(2 * 1024 * 1024) }) }),
        () => ({
          label: "content-length says 1 TB",
          route: "POST /api/chat",
          headers: [["Content-Length", "1000000000000"]],
          body: chatBody(random),
          unanswered: true,
          timeoutMs: 3000,
          serverSpan: "yes",
        }),
        () => {
          const body = bigChat(over);
          const chunks: string[] = [];
          for (let at = 0; at < body.length; at += 65536) {
            const piece = body.slice(at, at + 65536);
            chunks.push(`${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`);
          }
          return { label: `${over} bytes chunked (no content-length)`, route: "POST /api/chat", without: ["content-length"], headers: [["Transfer-Encoding", "chunked"]], body: `${chunks.join("")}0\r\n\r\n`, serverSpan: "yes" };
        },
        () => ({ label: "just under 1 MiB, one message far over its length", route: "POST /api/chat", body: bigChat(BODY_LIMIT_BYTES - 100), serverSpan: "yes" }),
        () => {
          // The largest conversation the app takes: MAX_CONVERSATION_BYTES of text in all. 200.
          const each = Math.floor(MAX_CONVERSATION_BYTES / 14);
          const messages = Array.from({ length: 13 }, (_, k) => ({ role: k % 2 ? "assistant" : "user", content: "b".repeat(each) }));
          messages.push({ role: "user", content: `${"c".repeat(MAX_CONVERSATION_BYTES - 13 * each - 6)} hello` });
          return { label: "exactly the conversation limit", route: "POST /api/chat", body: JSON.stringify({ messages }), ok: [200], serverSpan: "yes" };
        },
      ];
      return variants[i % variants.length]!();
    }),
};

const PATHS: Array<{ route: Draft["route"]; path: string; methods: string[] }> = [
  { route: "POST /api/chat", path: "/api/chat", methods: ["POST"] },
  { route: "POST /api/chat/stream", path: "/api/chat/stream", methods: ["POST"] },
  { route: "POST /api/feedback", path: "/api/feedback", methods: ["POST"] },
  { route: "GET /api/traces/:traceId", path: `/api/traces/${traceIdHex()}`, methods: ["GET", "HEAD"] },
  { route: "GET /healthz", path: "/healthz", methods: ["GET", "HEAD"] },
  { route: "GET /", path: "/", methods: ["GET", "HEAD"] },
  { route: "GET /style.css", path: "/style.css", methods: ["GET", "HEAD"] },
  { route: "GET /main.js", path: "/main.js", methods: ["GET", "HEAD"] },
];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "MKCOL", "SEARCH", "QUERY", "PURGE", "LOCK", "FOO", "get", "G ET", "CONNECT"];

/** Every route asked with every method it does not take (405), and methods no server knows (400). */
const wrongMethods: Family = {
  name: "wrong methods",
  weight: 8,
  make: (random, count) => {
    const combos = PATHS.flatMap((path) => METHODS.filter((method) => !path.methods.includes(method)).map((method) => ({ ...path, method })));
    return Array.from({ length: count }, (_, i): Draft => {
      const { route, path, method } = combos[i % combos.length]!;
      const withBody = random.next() < 0.5 && method !== "HEAD";
      return {
        label: `${method} ${route.split(" ")[1]}`,
        route,
        method,
        target: method === "CONNECT" ? random.pick(["127.0.0.1:80", path]) : path,
        ...(withBody ? { body: chatBody(random) } : {}),
      };
    });
  },
};

/** A JSON body sent as something else, or with a content type that only looks like JSON's. */
const contentTypes: Family = {
  name: "content types",
  weight: 7,
  make: (random, count) => {
    const types: Array<[string | undefined, number[]]> = [
      ["text/plain", []],
      ["text/plain; charset=utf-8", []],
      ["application/x-www-form-urlencoded", []],
      ["multipart/form-data; boundary=xyz", []],
      ["application/xml", []],
      ["text/json", []],
      ["application/jsonx", []],
      ["application/vnd.api+json", []],
      ["application/ld+json", []],
      ["*/*", []],
      ["", []],
      ["application", []],
      ["/json", []],
      [`application/${"x".repeat(8000)}`, []],
      ["application/jsön", []],
      [undefined, []], // none at all, with a body
      ["application/json; charset=utf-16", [200]],
      ["application/json; charset=latin1", [200]],
      ["APPLICATION/JSON", [200]],
      ["application/json;", [200]],
      ['application/json; charset="utf-8"', [200]],
      ["application/json, text/plain", [200]],
      ["application/json\t", [200]],
      ["application/json; boundary=x; charset=utf-8; q=0.1", [200]],
    ];
    return Array.from({ length: count }, (_, i): Draft => {
      const [type, ok] = types[i % types.length]!;
      const route = i % 5 === 4 ? "POST /api/feedback" : "POST /api/chat";
      const body = route === "POST /api/chat" ? chatBody(random) : JSON.stringify({ spanId: random.hex(16), score: 1 });
      return {
        label: `content-type ${type === undefined ? "missing" : JSON.stringify(type.length > 40 ? `${type.slice(0, 40)}...` : type)}`,
        route,
        body,
        ...(type === undefined ? { without: ["content-type"] } : { headers: [["Content-Type", type]] as Array<[string, string]> }),
        ok,
        serverSpan: route === "POST /api/chat" ? "yes" : "no",
      };
    });
  },
};

/** W3C traceparent and tracestate that are not valid: ignored (a new trace), the question answered. */
const traceparents: Family = {
  name: "traceparent",
  weight: 7,
  make: (random, count) => {
    const t = () => random.hex(32);
    const s = () => random.hex(16);
    const values = [
      () => "",
      () => "00",
      () => `00-${t().slice(1)}-${s()}-01`,
      () => `00-${t()}-${s()}0-01`,
      () => `ff-${t()}-${s()}-01`,
      () => `01-${t()}-${s()}-01-future`,
      () => `00-${"0".repeat(32)}-${s()}-01`,
      () => `00-${t()}-${"0".repeat(16)}-01`,
      () => `00-${t().toUpperCase()}-${s()}-01`,
      () => `00-${"z".repeat(32)}-${s()}-01`,
      () => `00-${t()}-${s()}-0g`,
      () => `00-${t()}-${s()}-00`,
      () => `00_${t()}_${s()}_01`,
      () => `00-${t()}-${s()}-01-`,
      () => ` 00-${t()}-${s()}-01 `,
      () => random.hex(1000),
      () => `00-${t()}-${s()}-01,00-${t()}-${s()}-01`,
      () => "\u00e9\u00e9-\u00ff",
    ];
    return Array.from({ length: count }, (_, i): Draft => {
      const value = values[i % values.length]!();
      const extra: Array<[string, string]> = i % 3 === 0 ? [["tracestate", random.pick(["", "=", "a=b=c", "UPPER=x", `${"k".repeat(300)}=v`, Array.from({ length: 40 }, (_, k) => `k${k}=v`).join(","), ",,,", "é=ü"])]] : [];
      return { label: `traceparent ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`, route: "POST /api/chat", body: chatBody(random), headers: [["traceparent", value], ...extra], ok: [200], serverSpan: "yes" };
    });
  },
};

/** W3C baggage that is not valid (bad percent-encoding, no key, huge): ignored, the question answered. */
const baggage: Family = {
  name: "baggage",
  weight: 5,
  make: (random, count) => {
    const values = [
      "%ZZ=%ZZ",
      "=",
      "==",
      ";;;",
      ",,,",
      "session.id=%E0%A4%A",
      "session.id=%",
      "k=v;prop=%",
      "k==v",
      "k\tv",
      `k=${"v".repeat(9000)}`,
      Array.from({ length: 300 }, (_, k) => `key${k}=value${k}`).join(","),
      "\u00e9=\u00fc",
      "session.id=abc;;;=;",
      "user.id=%00",
      // The app takes a session id from baggage (held to the body's rules): ones it must not take.
      `session.id=${"s".repeat(500)}`,
      "session.id=a%20b",
      "session.id=%F0%9F%91%8B",
      "session.id=..%2F..%2Fetc",
      "session.id=one,session.id=two",
      "session.id=%3Cscript%3E",
    ];
    return Array.from({ length: count }, (_, i): Draft => ({
      label: `baggage ${JSON.stringify(values[i % values.length]!.slice(0, 40))}`,
      route: "POST /api/chat",
      body: chatBody(random),
      headers: [["baggage", values[i % values.length]!]],
      ok: [200],
      serverSpan: "yes",
    }));
  },
};

/** Host headers: other names (403), odd spellings of this machine's names (answered), none, two. */
const hosts: Family = {
  name: "host",
  weight: 7,
  make: (random, count) => {
    // [Host header lines, does the app answer to it?]
    const variants: Array<[Array<[string, string]>, boolean]> = [
      [[["Host", "evil.example"]], false],
      [[["Host", ""]], false],
      [[["Host", "127.0.0.2"]], false],
      [[["Host", "0.0.0.0"]], false],
      [[["Host", "localhost@evil.example"]], false],
      [[["Host", "evil.example#localhost"]], false],
      [[["Host", "localhost evil"]], false],
      [[["Host", "l\u00f3calhost"]], false],
      [[["Host", `${"a".repeat(300)}.example`]], false],
      [[["Host", "evil.example"], ["Host", "127.0.0.1"]], false],
      [[["Host", "127.0.0.1"], ["Host", "evil.example"]], true],
      [[["Host", "LOCALHOST"]], true],
      [[["Host", "localhost."]], true],
      [[["Host", "localhost:99999"]], true],
      [[["Host", "127.0.0.1:abc"]], true],
      [[["Host", "[::1]:8000"]], true],
      [[["Host", "[::1"]], true],
      [[["X-Forwarded-Host", "evil.example"]], true],
      [[["Forwarded", "host=evil.example"]], true],
    ];
    return Array.from({ length: count }, (_, i): Draft => {
      const missing = i % (variants.length + 2) >= variants.length;
      const toChat = random.next() < 0.5;
      const route = toChat ? "POST /api/chat" : "GET /healthz";
      if (missing) {
        // No Host at all: required in HTTP/1.1, optional in HTTP/1.0.
        const version = i % 2 ? "HTTP/1.0" : "HTTP/1.1";
        return { label: `no Host header (${version})`, route, version, without: ["host"], ...(toChat ? { body: chatBody(random) } : {}), serverSpan: "no" };
      }
      const [lines, answered] = variants[i % (variants.length + 2)]!;
      return {
        label: `host ${lines.map(([name, value]) => `${name}: ${value.slice(0, 30)}`).join(" + ")}`,
        route,
        headers: lines,
        without: lines.some(([name]) => name === "Host") ? ["host"] : [],
        ...(toChat ? { body: chatBody(random) } : {}),
        ok: answered ? [200] : [],
        serverSpan: answered && toChat ? "yes" : "no",
      };
    });
  },
};

/** Other headers that are malformed, huge, many, or ask for what the app does not do. */
const otherHeaders: Family = {
  name: "other headers",
  weight: 8,
  make: (random, count) => {
    // [label, header lines, answers below 400 that are right, server span]
    const variants: Array<[string, Array<[string, string]>, number[], ServerSpanExpectation]> = [
      ["content-length not a number", [["Content-Length", "abc"]], [], "no"],
      ["content-length negative", [["Content-Length", "-1"]], [], "no"],
      ["content-length +5", [["Content-Length", "+5"]], [], "no"],
      ["content-length 20 digits", [["Content-Length", "99999999999999999999"]], [], "maybe"],
      ["transfer-encoding gzip", [["Transfer-Encoding", "gzip"]], [], "no"],
      ["transfer-encoding chunked, gzip", [["Transfer-Encoding", "chunked, gzip"]], [], "no"],
      ["transfer-encoding identity", [["Transfer-Encoding", "identity"]], [], "no"],
      ["a NUL in a header value", [["X-Note", "a\u0000b"]], [], "no"],
      ["a DEL in a header value", [["X-Note", "a\u007fb"]], [200], "maybe"],
      ["Latin-1 bytes in a header value", [["X-Note", "caf\u00e9 \u00ff"]], [200], "yes"],
      ["a header name with a space", [["X Note", "x"]], [], "no"],
      ["a header name with a colon inside", [["X:Note", "x"]], [200], "yes"],
      ["an empty header name", [["", "x"]], [], "no"],
      ["120 extra headers", Array.from({ length: 120 }, (_, k) => [`X-Extra-${k}`, "v"] as [string, string]), [200], "yes"],
      ["a 20 KB header", [["X-Big", "b".repeat(20_000)]], [], "no"],
      ["an 8 KB user-agent", [["User-Agent", "u".repeat(8000)]], [200], "yes"],
      ["a Latin-1 user-agent", [["User-Agent", "na\u00efve/1.0 \u00a9"]], [200], "yes"],
      ["a 5 KB bearer token", [["Authorization", `Bearer ${"t".repeat(5000)}`]], [200], "yes"],
      ["garbage cookies", [["Cookie", "=;;=a;b=;%ZZ=%ZZ"]], [200], "yes"],
      ["x-forwarded-for garbage", [["X-Forwarded-For", "not-an-ip, , 999.1.1.1"]], [200], "yes"],
      ["accept application/xml", [["Accept", "application/xml"]], [200], "yes"],
      ["accept-encoding q=x", [["Accept-Encoding", "gzip;q=x, br;q=-1"]], [200], "yes"],
      ["origin of another site", [["Origin", "http://evil.example"]], [200], "yes"],
      ["expect 100-continue", [["Expect", "100-continue"]], [200], "yes"],
      ["expect something else", [["Expect", "the-unexpected"]], [], "no"],
      ["upgrade to websocket", [["Upgrade", "websocket"], ["Connection", "Upgrade"]], [200], "maybe"],
      ["te trailers", [["TE", "trailers"]], [200], "yes"],
      ["range", [["Range", "bytes=0-1"]], [200], "yes"],
      ["content-encoding gzip, body not", [["Content-Encoding", "gzip"]], [200], "yes"],
      ["x-http-method-override", [["X-HTTP-Method-Override", "DELETE"]], [200], "yes"],
      ["connection keep-alive", [["Connection", "keep-alive"]], [200], "yes"],
    ];
    return Array.from({ length: count }, (_, i): Draft => {
      const [label, lines, ok, serverSpan] = variants[i % variants.length]!;
      const toChat = serverSpan !== "no" || random.next() < 0.7;
      const route = toChat ? "POST /api/chat" : "GET /healthz";
      return {
        label,
        route,
        ...(toChat ? { body: chatBody(random) } : {}),
        headers: lines,
        ok,
        serverSpan: toChat ? serverSpan : "no",
        // A body the app was told is longer than it is: it waits for the rest.
        ...(label.startsWith("content-length 20") ? { unanswered: true, timeoutMs: 3000 } : {}),
      };
    });
  },
};

/** URLs that are odd: bad escapes, traversal, wrong case, trailing slash, huge, absolute, raw bytes. */
const oddUrls: Family = {
  name: "odd URLs",
  weight: 8,
  make: (random, count) => {
    const id = traceIdHex();
    // [method, target, answers below 400 that are right, server span]
    const variants: Array<[string, string, number[], ServerSpanExpectation]> = [
      ["GET", "/%ff", [], "no"],
      ["GET", "/%", [], "no"],
      ["GET", "/%%", [], "no"],
      ["GET", "/%2e%2e/%2e%2e/etc/passwd", [], "no"],
      ["GET", "/../../etc/passwd", [], "no"],
      ["GET", "/.env", [], "no"],
      ["GET", "/.git/config", [], "no"],
      ["GET", "/index.html", [], "no"],
      ["GET", "/main.js.map", [], "no"],
      ["GET", "/healthz/", [], "no"],
      ["GET", "/healthz%20", [], "no"],
      ["GET", "/HEALTHZ", [], "no"],
      ["GET", "/healthz?%", [200], "no"],
      ["GET", "/healthz?a=%ff&b=%&&&==", [200], "no"],
      ["GET", `/healthz?${"q=1&".repeat(1500)}`, [200], "no"],
      ["GET", `/${"p".repeat(8000)}`, [], "no"],
      ["GET", `/${"p".repeat(20_000)}`, [], "no"],
      ["GET", "/%00", [], "no"],
      ["GET", "/\u00e9", [], "no"],
      ["GET", "/\u007f", [], "no"],
      ["GET", "/api\\chat", [], "no"],
      ["GET", "/%2F", [], "no"],
      ["GET", "*", [200], "no"],
      ["GET", "?", [], "no"],
      ["GET", "http://127.0.0.1/healthz", [200], "no"],
      ["GET", "https://evil.example/healthz", [200], "no"],
      ["GET", "/api/traces/", [], "no"],
      ["GET", `/api/traces/${id.toUpperCase()}`, [], "no"],
      ["GET", `/api/traces/${id.slice(1)}`, [], "no"],
      ["GET", `/api/traces/${id}0`, [], "no"],
      ["GET", `/api/traces/${id}/x`, [], "no"],
      ["GET", `/api/traces/%00${id.slice(3)}`, [], "no"],
      ["GET", "/api/traces/%E2%82%AC", [], "no"],
      ["GET", "/api/traces/..%2F..%2Fhealthz", [], "no"],
      ["GET", `/api/traces/${id}?x=%ff`, [302], "no"],
      ["POST", "/api/chat/", [], "no"],
      ["POST", "/API/CHAT", [], "no"],
      ["POST", "/api/../api/chat", [], "no"],
      ["POST", "//api/chat", [], "no"],
      ["POST", "/api//chat", [], "no"],
      ["POST", "/./api/chat", [], "no"],
      ["POST", "/api/chat;jsessionid=1", [], "no"],
      ["POST", "/api/%63hat", [200], "yes"], // %63 is "c": the same route
      ["POST", "/api/chat?x=1", [200], "yes"],
      ["POST", "/api/chat?%ff=%ff", [200], "yes"],
      ["POST", `/api/chat?${"a=1&".repeat(2000)}`, [200], "yes"],
      ["POST", "/api/chat#fragment", [200], "maybe"],
      ["POST", "http://evil.example/api/chat", [200], "maybe"],
    ];
    return Array.from({ length: count }, (_, i): Draft => {
      const [method, target, ok, serverSpan] = variants[i % variants.length]!;
      const chat = target.includes("chat") || target.includes("%63hat");
      return {
        label: `${method} ${JSON.stringify(target.length > 50 ? `${target.slice(0, 50)}...` : target)}`,
        route: chat ? "POST /api/chat" : target.includes("/api/traces") ? "GET /api/traces/:traceId" : "(no route)",
        method,
        target,
        ...(method === "POST" ? { body: chatBody(random) } : {}),
        ok,
        serverSpan,
      };
    });
  },
};

/** Text from all over Unicode, broken UTF-16 and broken UTF-8: valid questions, or clean 400s. */
const unicode: Family = {
  name: "unicode",
  weight: 10,
  make: (random, count) => {
    const pieces = [
      "héllo", "Grüße", "Ελληνικά", "русский", "中文字符", "日本語のテキスト", "한국어", "العربية", "עברית", "हिन्दी", "𒀭𒂗𒍪",
      "👋🏽", "👨‍👩‍👧‍👦", "🇫🇷", "e\u0301\u0301\u0301", "\u202eevil\u202c", "\u200b", "\u200d", "\ufeff", "\ufffd", "\uffff",
      "\ud800", "\udfff", "\udbff\udfff", "\u0000", "\u0007", "\u2028", "\u2029", "\t", "\n", "\r\n", "\\", '"', "'", "<script>alert(1)</script>",
      "${process.env.OPENAI_API_KEY}", "{{7*7}}", "%s%n", "NaN", "null", "𝕳𝖊𝖑𝖑𝖔", "Z̴̢̛͓a̸l̷g̶o̵",
    ];
    return Array.from({ length: count }, (_, i): Draft => {
      const text = () => Array.from({ length: random.int(1, 12) }, () => random.pick(pieces)).join(random.pick(["", " "]));
      const kind = i % 8;
      if (kind === 7) {
        // Bytes that are not UTF-8 at all: a lone lead byte, an encoded surrogate, an overlong slash, past U+10FFFF.
        const bad = random.pick([[0xff], [0xfe, 0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]);
        const body = Buffer.concat([Buffer.from('{"messages":[{"role":"user","content":"hi '), Buffer.from(bad), Buffer.from('"}]}')]);
        return { label: `invalid UTF-8 bytes ${bad.map((byte) => byte.toString(16)).join(" ")}`, route: "POST /api/chat", body, ok: [200], serverSpan: "yes" };
      }
      if (kind === 6) {
        const messages = conversation(random);
        return { label: "a byte-order mark before the JSON", route: "POST /api/chat", body: `\ufeff${JSON.stringify({ messages })}`, ok: [200], serverSpan: "yes" };
      }
      if (kind === 5) {
        const messages = conversation(random);
        const body = Buffer.from(JSON.stringify({ messages }), "utf16le");
        return { label: "the body in UTF-16", route: "POST /api/chat", body, headers: [["Content-Type", random.pick(["application/json; charset=utf-16", "application/json"])]], serverSpan: "yes" };
      }
      if (kind === 4) {
        return { label: "a unicode sessionId", route: "POST /api/chat", body: JSON.stringify({ messages: conversation(random), sessionId: text() }), serverSpan: "yes" };
      }
      const messages = conversation(random);
      messages[messages.length - 1]!.content = `${text()} ${random.pick(QUESTIONS)}`;
      if (kind === 3 && messages.length > 1) messages[0]!.content = text();
      if (kind === 2) messages[messages.length - 1]!.content = "👋".repeat(random.int(1000, MAX_MESSAGE_LENGTH));
      return { label: kind === 2 ? "thousands of emoji" : "unicode text", route: "POST /api/chat", body: JSON.stringify({ messages }), ok: [200], serverSpan: "yes" };
    });
  },
};

/** Deep nesting where the schema expects a string or array, and where the prototype-poisoning scan walks. */
const deepNesting: Family = {
  name: "deep nesting",
  weight: 5,
  make: (random, count) =>
    Array.from({ length: count }, (_, i): Draft => {
      const depth = random.pick([10, 1000, 10_000, 100_000]);
      const arrays = (inner = "") => `${"[".repeat(depth)}${inner}${"]".repeat(depth)}`;
      const objects = (inner = "1") => `${'{"a":'.repeat(depth)}${inner}${"}".repeat(depth)}`;
      const variants: Array<[string, Draft["route"], string]> = [
        ["messages nested in arrays", "POST /api/chat", `{"messages":${arrays()}}`],
        ["content nested in arrays", "POST /api/chat", `{"messages":[{"role":"user","content":${arrays('"hi"')}}]}`],
        ["an unknown field nested in objects", "POST /api/chat", `{"messages":[{"role":"user","content":"hi"}],"x":${objects()}}`],
        ["__proto__ deep inside", "POST /api/chat", `{"messages":[{"role":"user","content":"hi"}],"x":${arrays('{"__proto__":{"polluted":1}}')}}`],
        ["constructor.prototype deep inside", "POST /api/chat", `{"messages":[{"role":"user","content":"hi"}],"x":${objects('{"constructor":{"prototype":{"polluted":1}}}')}}`],
        ["only opening brackets", "POST /api/chat", "[".repeat(depth)],
        ["sessionId nested", "POST /api/chat", `{"messages":[{"role":"user","content":"hi"}],"sessionId":${objects()}}`],
        ["feedback nested", "POST /api/feedback", `{"spanId":${arrays('"0123456789abcdef"')},"score":1}`],
        ["the root nested in arrays", "POST /api/chat", arrays(`{"messages":[{"role":"user","content":"hi"}]}`)],
      ];
      const [label, route, body] = variants[i % variants.length]!;
      return { label: `${label} (depth ${depth})`, route, body, serverSpan: route === "POST /api/chat" ? "yes" : "no" };
    }),
};

/** Not HTTP, or HTTP broken at the byte level: Node's parser answers before any route runs. */
const httpFraming: Family = {
  name: "HTTP framing",
  weight: 6,
  make: (random, count) => {
    const valid = chatBody(random);
    const post = (headers: string, body: string) => `POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n${TRACEPARENT_LINE}Content-Type: application/json\r\n${headers}\r\n${body}`;
    // [label, bytes, answers below 400 that are right, server span, may go unanswered]
    const variants: Array<[string, string | Buffer, number[], ServerSpanExpectation, boolean?]> = [
      ["bare LF line endings", "GET /healthz HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n", [200], "no"],
      ["no HTTP version", "GET /healthz\r\n\r\n", [], "no"],
      ["HTTP/9.9", "GET /healthz HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", [200], "no"],
      ["HTTP/2.0 in an HTTP/1 request line", "GET /healthz HTTP/2.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", [200], "no"],
      ["two spaces in the request line", "GET  /healthz  HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", [200], "no"],
      ["a space in the path", "GET /health z HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", [], "no"],
      ["blank lines first", "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", [200], "no"],
      ["NUL bytes", "\u0000\u0000\u0000\u0000\r\n\r\n", [], "no"],
      ["a TLS ClientHello", Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, ...Array.from({ length: 32 }, () => random.int(0, 255))]), [], "no"],
      ["the HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", [], "no"],
      ["content-length and transfer-encoding", post(`Content-Length: ${valid.length}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n`, `0\r\n\r\n`), [], "no"],
      ["two different content-lengths", post(`Content-Length: ${valid.length}\r\nContent-Length: ${valid.length + 1}\r\nConnection: close\r\n`, valid), [], "no"],
      ["a chunk size that is not hex", post("Transfer-Encoding: chunked\r\nConnection: close\r\n", "zz\r\nabc\r\n0\r\n\r\n"), [], "maybe"],
      ["a chunk size of 2^72", post("Transfer-Encoding: chunked\r\nConnection: close\r\n", "ffffffffffffffffff\r\nabc\r\n0\r\n\r\n"), [], "maybe"],
      ["a chunk longer than its size", post("Transfer-Encoding: chunked\r\nConnection: close\r\n", `2\r\n${valid}\r\n0\r\n\r\n`), [], "maybe"],
      ["chunk extensions", post("Transfer-Encoding: chunked\r\nConnection: close\r\n", `${Buffer.byteLength(valid).toString(16)};ext=1;q="x"\r\n${valid}\r\n0\r\n\r\n`), [200], "maybe"],
      ["chunked with trailers", post("Transfer-Encoding: chunked\r\nConnection: close\r\n", `${Buffer.byteLength(valid).toString(16)}\r\n${valid}\r\n0\r\nX-Trailer: 1\r\n\r\n`), [200], "maybe"],
      ["obs-fold (a header continued on the next line)", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: a\r\n  b\r\nConnection: close\r\n\r\n", [], "no"],
      ["a space before the colon", "GET /healthz HTTP/1.1\r\nHost : 127.0.0.1\r\nConnection: close\r\n\r\n", [], "no"],
      ["a header line without a colon", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\nConnection: close\r\n\r\n", [], "no"],
      ["a 20 KB request line", `GET /healthz?${"q".repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, [], "no"],
      ["500 small headers", `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 500 }, (_, k) => `X-${k}: v\r\n`).join("")}Connection: close\r\n\r\n`, [200], "no"],
      ["a valid request, then garbage", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\u0000garbage\r\n\r\n", [200], "no"],
      ["garbage, then a valid request", "garbage\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", [], "no"],
      ["CONNECT to another host", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n", [], "no"],
      ["CONNECT to this app", "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", [], "no"],
      ["nothing at all", "", [], "no", true],
      ["one blank line", "\r\n", [], "no", true],
    ];
    return Array.from({ length: count }, (_, i): Draft => {
      const [label, raw, ok, serverSpan, unanswered] = variants[i % variants.length]!;
      return { label, route: label.includes("chunk") || label.includes("content-length") ? "POST /api/chat" : "(no route)", raw, ok, serverSpan, unanswered: unanswered ?? false, timeoutMs: 3000 };
    });
  },
};

/** Requests the client stops sending half-way (it closes its side): the app answers 400 or gives up. */
const cutOff: Family = {
  name: "cut-off requests",
  weight: 0, // a fixed number: each waits for the app to give up
  make: (random, count) =>
    Array.from({ length: count }, (_, i): Draft => {
      const valid = chatBody(random);
      const variants: Array<[string, string, ServerSpanExpectation]> = [
        ["the body shorter than its content-length", `POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n${TRACEPARENT_LINE}Content-Type: application/json\r\nContent-Length: ${valid.length + 50}\r\n\r\n${valid}`, "yes"],
        ["the headers never finished", `POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n${TRACEPARENT_LINE}Content-Type: appl`, "no"],
        ["a chunked body never finished", `POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n${TRACEPARENT_LINE}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"mes`, "yes"],
      ];
      const [label, raw, serverSpan] = variants[i % variants.length]!;
      // Half of them close their side too: the app then knows at once that the rest will never come.
      const halfClose = i % 2 === 1;
      return { label: `${label}${halfClose ? ", then the client's side closed" : ""}`, route: "POST /api/chat", raw, unanswered: true, timeoutMs: 2000, halfClose, serverSpan };
    }),
};

export const FAMILIES: Family[] = [badJson, wrongTypes, feedbackFields, hugeBodies, wrongMethods, contentTypes, traceparents, baggage, hosts, otherHeaders, oddUrls, unicode, deepNesting, httpFraming, cutOff];

export interface FuzzPlan {
  /** requests shared out by the families' weights */
  weighted: number;
  huge: number;
  cutOff: number;
}

/** The fuzz requests for `seed`, in a shuffled but fixed order. */
export function fuzzCases(random: Random, plan: FuzzPlan): FuzzCase[] {
  const totalWeight = FAMILIES.reduce((sum, family) => sum + family.weight, 0);
  const cases: FuzzCase[] = [];
  for (const family of FAMILIES) {
    const count = family === hugeBodies ? plan.huge : family === cutOff ? plan.cutOff : Math.round((plan.weighted * family.weight) / totalWeight);
    for (const draft of family.make(random, count)) {
      const { bytes, traceId, route } = encode(draft, random);
      const method = (draft.raw === undefined ? (draft.method ?? draft.route.split(" ")[0]) : latin1String(bytes).split(" ")[0]) ?? "";
      cases.push({
        family: family.name,
        label: draft.label,
        route,
        bytes,
        head: method === "HEAD",
        okStatuses: draft.ok ?? [],
        mayGoUnanswered: draft.unanswered ?? false,
        timeoutMs: draft.timeoutMs ?? 10_000,
        halfClose: draft.halfClose ?? false,
        serverSpan: draft.serverSpan ?? "no",
        ...(traceId ? { traceId } : {}),
      });
    }
  }
  return random.shuffle(cases);
}

function latin1String(bytes: Buffer): string {
  return bytes.subarray(0, 32).toString("latin1");
}
