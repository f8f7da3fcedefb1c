/**
 * A small element builder: text always goes in as text (never parsed as HTML), so nothing the API
 * returns can inject markup.
 */
import { formatSize } from '../../src/util/format-size.js';
import { STEP_CATALOG } from '../../src/workflow/steps/catalog.js';
import { currentLocale, t } from './i18n/index.js';

export type Child = Node | string | number | null | undefined | false | Child[];

type Handler = (event: Event) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Handler>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      el.className = String(value);
    } else if (key === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (key === 'checked' && 'checked' in el) {
      (el as HTMLInputElement).checked = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let idCounter = 0;
/** A unique id for label/input pairs. */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** Sizes as the API's `*_formatted` fields give them; a dash when unknown. */
export function formatBytes(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '—' : formatSize(bytes);
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString(currentLocale());
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return t('{{ms}} ms', { ms: Math.round(ms) });
  const s = ms / 1000;
  return s < 60 ? t('{{s}} s', { s: s.toFixed(1) }) : t('{{min}} min {{s}} s', { min: Math.floor(s / 60), s: Math.round(s % 60) });
}

/** The status words the API answers (tasks, steps, runs, backups, pairs), as the reader reads them. */
export function statusLabel(status: string): string {
  switch (status) {
    case 'pending':
      return t('pending');
    case 'queued':
      return t('queued');
    case 'running':
      return t('running');
    case 'in_progress':
      return t('in progress');
    case 'partial_completed':
      return t('partially completed');
    case 'completed':
      return t('completed');
    case 'completed_with_warnings':
      return t('completed with warnings');
    case 'failed':
      return t('failed');
    case 'cancelled':
      return t('cancelled');
    case 'interrupted':
      return t('interrupted');
    case 'skipped':
      return t('skipped');
    case 'partial':
      return t('partial');
    case 'invalid':
      return t('invalid');
    case 'valid':
      return t('valid');
    case 'repaired':
      return t('repaired');
    case 'approved':
      return t('approved');
    case 'rejected':
      return t('rejected');
    case 'unreviewed':
      return t('unreviewed');
    default:
      return status.replace(/_/g, ' ');
  }
}

/** A status word as a coloured badge (colour is never the only signal: the word is there). */
export function badge(status: string): HTMLElement {
  return h('span', { class: `badge badge-${status.replace(/[^a-z_]/g, '')}` }, statusLabel(status));
}

export function loading(label = t('Loading…')): HTMLElement {
  return h('p', { class: 'state loading', role: 'status' }, label);
}

export function empty(message: string, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'state empty' }, h('p', {}, message), ...actions);
}

/** A step's title in the current language (the step catalog carries both). */
export function stepTitle(step: string): string {
  const entry = STEP_CATALOG.find((s) => s.name === step);
  if (!entry) return step;
  return currentLocale() === 'zh-CN' ? entry.labels.zh : entry.labels.en;
}

/** A step's short label (the task list's pills). */
export function stepShortLabel(step: string): string {
  switch (step) {
    case 'ddl_generation':
      return t('DDL');
    case 'qa_generation':
      return t('Q&A');
    case 'sql_validation':
      return t('SQL');
    case 'training_load':
      return t('Load');
    default:
      return step;
  }
}
