/** Shapes of the JSON replies the openai provider asks for. */
import { z } from 'zod';
import { isUsableComment } from '../comment-quality.js';

const usableComment = z.string().refine(isUsableComment, {
  message: 'must be a short, non-empty description (not a refusal or placeholder)',
});

export const tableCommentReply = z.object({
  table_comment: usableComment,
  // Individual bad column comments are dropped by the provider, not fatal for the whole reply.
  columns: z.record(z.string(), z.unknown()),
  enum_columns: z.array(z.string()).default([]),
});

const nonEmpty = z.string().trim().min(1);

export const themesReply = z.object({
  themes: z
    .array(
      z.object({
        topic_name: nonEmpty,
        description: z.string().default(''),
        related_tables: z.array(nonEmpty).min(1),
        biz_entities: z.array(z.string()).default([]),
        biz_metrics: z.array(z.string()).default([]),
      }),
    )
    .min(1),
});

export const pairsReply = z.object({
  pairs: z.array(z.object({ question: nonEmpty, sql: nonEmpty })).min(1),
});

export const repairsReply = z.object({
  repairs: z.array(z.object({ id: z.coerce.string(), sql: nonEmpty })),
});
