/**
 * What counts as a usable generated comment. An LLM's refusal ("I'm sorry…") must never be stored as a table comment;
 * ours rejects refusals, placeholders and empty text, and the step falls back instead.
 */
const REFUSAL = [
  /\b(i'?m|i am) (sorry|unable|not able)\b/i,
  /\bsorry\b/i,
  /\b(i )?(cannot|can't|can not) (help|assist|provide|determine|comply)\b/i,
  /\bas an ai\b/i,
  /\blanguage model\b/i,
  /抱歉|对不起|无法(提供|确定|回答|完成|生成)|作为(一个)?AI/,
];
const PLACEHOLDER = /^(n\/?a|none|null|unknown|todo|tbd|-+|\?+|无|未知|暂无)$/i;

export const MAX_COMMENT_LENGTH = 300;

export function isUsableComment(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > MAX_COMMENT_LENGTH) return false;
  if (PLACEHOLDER.test(trimmed)) return false;
  return !REFUSAL.some((pattern) => pattern.test(trimmed));
}

/** A comment on one line: newlines and repeated spaces collapsed. */
export function cleanComment(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
