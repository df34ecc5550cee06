// A turn's context attributes (session.id, user.id, metadata, tag.tags) live in the OpenTelemetry
// context, where chatTurn puts them. A plain tracer does not copy them onto the spans it starts
// (openinference-core's OITracer would): each span of the turn spreads contextAttributes() into its
// attributes, and Phoenix groups the turns of a session into one conversation.
import { context, type Attributes } from "@opentelemetry/api";
import { getAttributesFromContext, getTags } from "@arizeai/openinference-core";
import { TAG_TAGS } from "@arizeai/openinference-semantic-conventions";

export function contextAttributes(): Attributes {
  const attributes = getAttributesFromContext(context.active());
  // openinference-core 2.7 gives tag.tags as the JSON text '["a","b"]'; the spec wants a list of strings.
  const tags = getTags(context.active());
  if (tags) attributes[TAG_TAGS] = tags;
  return attributes;
}
