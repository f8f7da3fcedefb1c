/** Output language of comments, docs and questions (`--language`). */
export type Language = 'en' | 'zh';
export const LANGUAGES: readonly Language[] = ['en', 'zh'];
