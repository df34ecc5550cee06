// Feedback: a user's thumbs up or down on an answer, kept in Phoenix as an annotation of the
// span that answered (the SERVER span, whose id the answer carries). Phoenix shows it on the
// span and its trace, and you can filter and count answers by it. Lesson 10 sends it with
// @arizeai/phoenix-client: POST /v1/span_annotations, as the seed's chatbot does.
import type { PhoenixClient } from "@arizeai/phoenix-client";
import { addSpanAnnotation } from "@arizeai/phoenix-client/spans";

/** The annotation's name: Phoenix groups every vote under it. */
export const FEEDBACK_ANNOTATION = "user_feedback";

export type Vote = "up" | "down";

/** One user's vote on one answer, as the feedback route takes it: {"spanId", "vote", "userId"}. */
export interface FeedbackVote {
  /** the span that answered: the answer's spanId (16 hex digits) */
  spanId: string;
  vote: Vote;
  /** who votes: one vote per user and answer */
  userId: string;
}

/** Records the vote in Phoenix as a span annotation; throws when Phoenix does not take it. */
export async function recordVote(phoenix: PhoenixClient, { spanId, vote, userId }: FeedbackVote): Promise<void> {
  await addSpanAnnotation({
    client: phoenix,
    spanAnnotation: {
      spanId,
      name: FEEDBACK_ANNOTATION,
      // A person judged it (the evaluations are CODE and LLM).
      annotatorKind: "HUMAN",
      // Both: the label reads well in Phoenix, the score is what it averages.
      label: vote,
      score: vote === "up" ? 1 : 0,
      // Phoenix keeps one annotation per span, name and identifier: with the user as identifier,
      // a changed vote replaces that user's earlier one, and two users' votes stand side by side.
      identifier: userId,
    },
  });
}

/** A request body that is not a vote: the feedback route answers 400 with this reason. */
export class BadVote extends Error {
  override name = "BadVote";
}

/** The vote in a request body {"spanId": "...", "vote": "up" | "down", "userId": "..."}, or a BadVote saying what is wrong. */
export function voteOf(body: string): FeedbackVote {
  let parsed: Partial<Record<keyof FeedbackVote, unknown>> | null;
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new BadVote('The request body is not JSON. Send {"spanId": "...", "vote": "up" or "down", "userId": "..."}.');
  }
  const { spanId, vote, userId } = parsed ?? {};
  if (typeof spanId !== "string" || !/^[0-9a-f]{16}$/.test(spanId)) {
    throw new BadVote('"spanId" must be the span id an answer carries: 16 hex digits.');
  }
  if (vote !== "up" && vote !== "down") throw new BadVote('"vote" must be "up" or "down".');
  if (typeof userId !== "string" || userId.trim() === "") throw new BadVote('"userId" must name who votes.');
  return { spanId, vote, userId };
}
