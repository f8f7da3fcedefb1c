/**
 * The console's entry: a hash router (#/tasks, #/new, #/tasks/{id}/{tab}, #/training) that mounts one view at a
 * time in <main>, aborting the previous view's requests and event streams.
 */
import { confirmAction } from './dialog.js';
import { h, replace } from './dom.js';
import { currentLocale, LOCALES, type Locale, setLocale, t } from './i18n/index.js';
import { errorPanel } from './ui.js';
import { renderNewTask } from './views/new-task.js';
import { renderTaskDetail, TABS, type Tab } from './views/task-detail.js';
import { renderTaskList } from './views/task-list.js';
import { renderTrainingData } from './views/training-data.js';

export interface Route {
  view: 'list' | 'new' | 'detail' | 'training';
  taskId?: string;
  tab?: Tab;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [pathPart = '', queryPart = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(queryPart);
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'new') return { view: 'new', query };
  if (parts[0] === 'training') return { view: 'training', query };
  if (parts[0] === 'tasks' && parts[1]) {
    const tab = (TABS as readonly string[]).includes(parts[2] ?? '') ? (parts[2] as Tab) : 'overview';
    return { view: 'detail', taskId: parts[1], tab, query };
  }
  return { view: 'list', query };
}

let current: AbortController | undefined;
/** The view last shown (its path, without the query): a new view opens at the top with its heading focused. */
let lastPath: string | undefined;

/** A title per page, the page at its top and the focus on its heading (for keyboard and screen reader users). */
function announce(root: HTMLElement, path: string): void {
  const heading = root.querySelector('h1');
  const text = heading?.textContent?.replace(/\s+/g, ' ').trim();
  document.title = text ? `${text} · Data Pipeline` : 'Data Pipeline';
  if (path === lastPath) return;
  lastPath = path;
  window.scrollTo(0, 0);
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

async function mount(): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const root = document.getElementById('main') as HTMLElement;
  try {
    // Inside the try: a malformed address (`#/tasks/%E0`) is an error to show, not a blank page.
    const route = parseRoute(location.hash);
    for (const link of document.querySelectorAll<HTMLAnchorElement>('.topbar nav a')) {
      const section = route.view === 'new' ? '#/new' : route.view === 'training' ? '#/training' : '#/tasks';
      const active = link.hash === section;
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (route.view === 'new') await renderNewTask(root, controller.signal);
    else if (route.view === 'training') await renderTrainingData(root, controller.signal);
    else if (route.view === 'detail' && route.taskId) await renderTaskDetail(root, route.taskId, route.tab ?? 'overview', controller.signal);
    else await renderTaskList(root, route.query, controller.signal);
    if (!controller.signal.aborted) announce(root, location.hash.split('?')[0] ?? '');
  } catch (error) {
    if (controller.signal.aborted) return;
    replace(
      root,
      errorPanel(error, () => void mount()),
    );
  }
}

/** The page's fixed text (marked `data-i18n`, its English kept as the key) in the current language. */
function translateFrame(): void {
  document.documentElement.lang = currentLocale();
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    element.dataset.i18n ||= element.textContent ?? '';
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
    element.setAttribute('aria-label', t(element.dataset.i18nLabel ?? ''));
  }
}

/** The language switch: each language named in itself, so a reader of either finds theirs. */
function setUpLocaleSwitch(): void {
  const select = document.getElementById('locale-switch') as HTMLSelectElement | null;
  if (!select) return;
  replace(
    select,
    LOCALES.map((l) => h('option', { value: l.code, lang: l.code, selected: l.code === currentLocale() }, l.label)),
  );
  select.addEventListener('change', async () => {
    // Re-rendering in the other language would drop an edit in progress: ask first.
    const editing = document.querySelector('.pair-editing, .add-pair[open] .cm-editor');
    if (editing && !(await confirmAction(t('Discard the unsaved edit?'), t('Switching the language redraws the page.'), t('Switch language')))) {
      select.value = currentLocale();
      return;
    }
    setLocale(select.value as Locale);
    translateFrame();
    // Same page, new language: the focus stays on the switch.
    void mount();
  });
}

translateFrame();
setUpLocaleSwitch();

// The skip link moves the focus; as a hash link it would go through the router and leave the page.
document.querySelector<HTMLAnchorElement>('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main')?.focus();
});
window.addEventListener('hashchange', () => void mount());
if (!location.hash) history.replaceState(null, '', '#/tasks');
void mount();
