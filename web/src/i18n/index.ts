/**
 * The console's languages: English (the source text) and Simplified Chinese. The English text is the
 * key (`t('Refresh')`), so a string without a translation still reads correctly in English; a test
 * checks that every key the sources use has its Chinese text. The choice comes from the switch in
 * the top bar (kept in localStorage) or else from the browser's preferred languages.
 */
import i18next from 'i18next';
import { en, zhCN } from './catalog/index.js';

export const LOCALES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;
export type Locale = (typeof LOCALES)[number]['code'];

const STORAGE_KEY = 'dp-locale';

function isLocale(value: string | null | undefined): value is Locale {
  return LOCALES.some((l) => l.code === value);
}

/** The switch's choice, else the first of the browser's languages we have (any `zh*` reads Simplified Chinese). */
export function preferredLocale(): Locale {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be off (private mode, a sandboxed frame): the browser's languages decide.
  }
  if (isLocale(stored)) return stored;
  for (const language of navigator.languages ?? [navigator.language]) {
    const lower = language.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

void i18next.init({
  lng: preferredLocale(),
  fallbackLng: 'en',
  // Synchronous: the catalogs are bundled, and the first render must already be in the chosen language.
  initAsync: false,
  // Keys are English sentences: '.' and ':' are text, not separators.
  keySeparator: false,
  nsSeparator: false,
  // The console's element builder inserts text as text, never as HTML.
  interpolation: { escapeValue: false },
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
});

/**
 * The text in the current language. Variables are `{{name}}`; a `count` variable picks the plural
 * form (English keys for one item live in en.ts as `key_one`).
 */
export function t(key: string, vars?: Record<string, string | number>): string {
  return i18next.t(key, vars);
}

export function currentLocale(): Locale {
  return isLocale(i18next.language) ? i18next.language : 'en';
}

/** Switches the language for this browser; the caller re-renders. */
export function setLocale(locale: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Without storage the choice lasts until the page reloads.
  }
  void i18next.changeLanguage(locale);
  document.documentElement.lang = locale;
}
