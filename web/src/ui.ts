/** What every view shares: navigation and the error panel (with the token form on 401). */
import { ApiFailure, setToken } from './api.js';
import { h } from './dom.js';
import { t } from './i18n/index.js';

/** Goes to a console route; the same route again re-renders it. */
export function navigate(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

/** An error as the user sees it: what the server said, the fields it named, and a way on. */
export function errorPanel(error: unknown, retry?: () => void): HTMLElement {
  const failure = error instanceof ApiFailure ? error : null;
  const panel = h(
    'div',
    { class: 'state error', role: 'alert' },
    h(
      'p',
      {},
      h('strong', {}, failure?.status ? t('Error {{status}}: ', { status: failure.status }) : t('Error: ')),
      failure?.message ?? (error instanceof Error ? error.message : String(error)),
    ),
    failure?.invalid.length
      ? h(
          'ul',
          {},
          failure.invalid.map((p) => h('li', {}, `${p.field}: ${p.problem}${p.accepted ? t(' (accepted: {{accepted}})', { accepted: p.accepted }) : ''}`)),
        )
      : null,
    retry ? h('button', { type: 'button', class: 'button', onclick: retry }, t('Try again')) : null,
  );
  if (failure?.status === 401) panel.appendChild(tokenForm());
  return panel;
}

/** The server wants a bearer token: ask for it once per browser session. */
function tokenForm(): HTMLElement {
  const input = h('input', { id: 'api-token', type: 'password', autocomplete: 'current-password', required: true });
  return h(
    'form',
    {
      class: 'token-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        setToken(input.value.trim());
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      },
    },
    h('label', { for: 'api-token' }, t('API token (API_TOKEN of the server)')),
    input,
    h('button', { type: 'submit', class: 'button primary' }, t('Use token')),
  );
}
