/**
 * The public API, as the console uses it: the envelope unwrapped, errors turned into ApiFailure
 * with the server's explanation, and the bearer token (when the server wants one) sent along.
 */
import { t } from './i18n/index.js';

const TOKEN_KEY = 'dp_api_token';

export interface InvalidParam {
  field: string;
  problem: string;
  accepted?: string;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorType: string,
    readonly invalid: InvalidParam[] = [],
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

interface ErrorEnvelope {
  message?: string;
  data?: { error_type?: string; error_code?: string; invalid_params?: InvalidParam[] };
}

async function failureOf(response: Response): Promise<ApiFailure> {
  let body: ErrorEnvelope = {};
  try {
    body = (await response.json()) as ErrorEnvelope;
  } catch {
    // not JSON: the status says enough
  }
  return new ApiFailure(
    response.status,
    body.message ?? `HTTP ${response.status}`,
    body.data?.error_code ?? body.data?.error_type ?? 'HTTP_ERROR',
    body.data?.invalid_params ?? [],
  );
}

/** Sends a request and returns `data` of the envelope; throws ApiFailure on any error status. */
export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = { method, headers: { ...authHeaders() }, signal: signal ?? null };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiFailure(0, t('the server cannot be reached: is it running?'), 'NETWORK');
  }
  if (!response.ok) throw await failureOf(response);
  const envelope = (await response.json()) as { data: T };
  return envelope.data;
}

/** A file's raw content (previews). */
export async function fetchText(path: string, signal?: AbortSignal): Promise<string> {
  const response = await fetch(path, { headers: authHeaders(), signal: signal ?? null });
  if (!response.ok) throw await failureOf(response);
  return response.text();
}

/** Downloads a file through fetch (so the token goes along) and hands it to the browser. */
export async function download(path: string, fileName: string): Promise<void> {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) throw await failureOf(response);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const TASKS = '/api/v0/data_pipeline/tasks';
export const VECTOR = '/api/v0/data_pipeline/vector';
export const taskPath = (taskId: string) => `${TASKS}/${encodeURIComponent(taskId)}`;

// The API's own response types (derived from its schemas): never copied here.
export type {
  BackupDiff,
  BackupList,
  BackupSummary,
  DocumentedTables,
  RunHistory,
  StepView,
  TableListInfo,
  TaskFileEntry,
  TaskFiles,
  TaskList,
  TaskListItem,
  TaskLogPage,
  TaskQueryResult,
  TaskDrift,
  TaskView,
  TrainingHit,
  TrainingSearch,
  TrainingStats,
} from '../../src/server/api-types.js';
export { STEP_NAMES, type StepName } from '../../src/workflow/steps/catalog.js';
