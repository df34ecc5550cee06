// How a stream looks. By default the offline model streams exactly like OpenAI; real
// providers and proxies differ in small ways that break careless clients (and careless
// instrumentation). A stream style turns those differences on, one by one or all of
// LiteLLM's at once:
//
//   omit-finish-reason  non-final chunks leave `finish_reason` out instead of sending null
//   omit-null-usage     with include_usage, earlier chunks leave `usage` out instead of null
//   usage-choice        the include_usage chunk has choices [{ index: 0, delta: {} }], not []
//   text-first          no separate role chunk: the first chunk carries the role together
//                       with the first piece of text (or the first tool call)
//   usage-extras        the streamed usage also carries `cost`, `prompt_tokens_details` and
//                       `completion_tokens_details` (see token-count.ts)
//   litellm             all five: what LiteLLM's proxy sends
//   openai              none of them (the default)
//
// Asked for with the startOfflineModel option `streamStyle` ("litellm", a list of names, or
// an object), or per request with a marker in the last user message: [[stream:litellm]],
// [[stream:text-first,usage-choice]]. Names apply left to right, on top of the option.
// Tool-call deltas always carry their `index`, whatever the style.

export interface StreamStyle {
  omitFinishReason: boolean;
  omitNullUsage: boolean;
  usageChoice: boolean;
  textFirst: boolean;
  usageExtras: boolean;
}

export const OPENAI_STREAM_STYLE: StreamStyle = {
  omitFinishReason: false,
  omitNullUsage: false,
  usageChoice: false,
  textFirst: false,
  usageExtras: false,
};

const LITELLM_STREAM_STYLE: StreamStyle = {
  omitFinishReason: true,
  omitNullUsage: true,
  usageChoice: true,
  textFirst: true,
  usageExtras: true,
};

const VARIANTS = {
  openai: OPENAI_STREAM_STYLE,
  litellm: LITELLM_STREAM_STYLE,
  "omit-finish-reason": { omitFinishReason: true },
  "omit-null-usage": { omitNullUsage: true },
  "usage-choice": { usageChoice: true },
  "text-first": { textFirst: true },
  "usage-extras": { usageExtras: true },
} satisfies Record<string, Partial<StreamStyle>>;

export type StreamVariant = keyof typeof VARIANTS;

export const STREAM_VARIANTS = Object.keys(VARIANTS) as StreamVariant[];

/** What the `streamStyle` option accepts: "litellm", ["text-first", "usage-choice"], or an object. */
export type StreamStyleSpec = StreamVariant | StreamVariant[] | Partial<StreamStyle>;

/** "litellm" or "text-first, usage-choice" (a marker's text) applied on top of `base`. */
export function applyStreamVariants(base: StreamStyle, text: string): StreamStyle {
  let style = base;
  for (const raw of text.split(",")) {
    const name = raw.trim();
    const variant = (Object.hasOwn(VARIANTS, name) ? VARIANTS[name as StreamVariant] : undefined) as
      | Partial<StreamStyle>
      | undefined;
    if (!variant) {
      const shown = name.length > 60 ? `${name.slice(0, 57)}...` : name;
      throw new Error(`Unknown stream style "${shown}". Known styles: ${STREAM_VARIANTS.join(", ")}.`);
    }
    style = { ...style, ...variant };
  }
  return style;
}

/** The style an option asks for (throws on an unknown name). */
export function streamStyleFrom(spec: StreamStyleSpec | undefined): StreamStyle {
  if (spec === undefined) return OPENAI_STREAM_STYLE;
  if (typeof spec === "string") return applyStreamVariants(OPENAI_STREAM_STYLE, spec);
  if (Array.isArray(spec)) return applyStreamVariants(OPENAI_STREAM_STYLE, spec.join(","));
  const unknown = Object.keys(spec).filter((key) => !Object.hasOwn(OPENAI_STREAM_STYLE, key));
  if (unknown.length > 0) {
    throw new Error(`Unknown streamStyle field(s): ${unknown.join(", ")}. Known: ${Object.keys(OPENAI_STREAM_STYLE).join(", ")}.`);
  }
  return { ...OPENAI_STREAM_STYLE, ...spec };
}
