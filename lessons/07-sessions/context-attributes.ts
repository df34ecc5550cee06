// A turn's context attributes (session.id, user.id, metadata, tag.tags) live in the OpenTelemetry
// context, where chatTurn puts them. A plain tracer does not copy them onto the spans it starts
// (openinference-core's OITracer would): each span of the turn spreads contextAttributes() into its
// attributes, and Phoenix groups the turns of a session into one conversation.
import { context, type Attributes } from "@opentelemetry/api";
import { getAttributesFromContext, getTags } from "@arizeai/openinference-core";
import { TAG_TAGS } from "@arizeai/openinference-semantic-conventions";

export function contextAttributes(): Attributes {
  // TODO 4: return getAttributesFromContext(context.active()), with TAG_TAGS set to getTags(context.active()): the core gives a
  //         JSON string, the spec a list.
  return {};
}
