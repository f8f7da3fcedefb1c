/**
 * Assertions on the response envelope shared by the API contract tests, and a multipart upload
 * helper (fields first, then the file, as the reference's clients send them).
 */
import http from 'node:http';
import { expect } from 'vitest';
import { existingServiceErrorType, type ErrorCode } from '../../src/errors.js';
import type { ApiBody, TestServer } from './api-server.js';

export interface ApiResponse {
  status: number;
  body: ApiBody;
  headers?: Headers;
}

/** `{code, success: true, message, data: {…, response, timestamp}}` with body code = HTTP status. */
export function expectSuccess(res: ApiResponse, status = 200): Record<string, any> {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({
    code: status,
    success: true,
    message: expect.any(String),
    data: { response: expect.any(String), timestamp: expect.any(String) },
  });
  expect(Number.isNaN(Date.parse(res.body.data.timestamp))).toBe(false);
  return res.body.data;
}

/**
 * The error envelope with its status, our error code (`error_code`; `error_type` carries the
 * existing service's value for it: the compatibility suite checks those literally), and body
 * code = HTTP status.
 */
export function expectError(res: ApiResponse, status: number, errorCode?: ErrorCode): Record<string, any> {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({
    code: status,
    success: false,
    message: expect.any(String),
    data: {
      response: expect.any(String),
      timestamp: expect.any(String),
      error_code: errorCode ?? expect.any(String),
      error_type: errorCode ? existingServiceErrorType(errorCode) : expect.any(String),
    },
  });
  expect(res.body.message.length).toBeGreaterThan(0);
  return res.body.data;
}

/**
 * A 400 naming `field`: an `invalid_params` entry for it whose problem matches `problem` and,
 * when given, whose `accepted` matches `accepted`; the message names the field too.
 */
export function expectInvalid(res: ApiResponse, field: string, problem: RegExp, accepted?: RegExp): Record<string, any> {
  const data = expectError(res, 400);
  expect(res.body.message).toContain(field);
  const entries = (data.invalid_params ?? []) as { field: string; problem: string; accepted?: string }[];
  const entry = entries.find((p) => p.field === field);
  expect(entry, `no invalid_params entry for ${field} in ${JSON.stringify(data)}`).toBeDefined();
  expect(entry?.problem).toMatch(problem);
  if (accepted) expect(entry?.accepted ?? '').toMatch(accepted);
  return data;
}

/** A 400 listing `fields` in `missing_params`. */
export function expectMissing(res: ApiResponse, ...fields: string[]): Record<string, any> {
  const data = expectError(res, 400);
  expect(data.missing_params).toEqual(expect.arrayContaining(fields));
  for (const field of fields) expect(res.body.message).toContain(field);
  return data;
}

/** Sends one file (and text fields before it) as multipart/form-data. */
export async function uploadFile(
  server: TestServer,
  route: string,
  file: { name: string; content: string | Uint8Array; field?: string } | undefined,
  fields: Record<string, string> = {},
): Promise<ApiResponse & { headers: Headers }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  if (file) form.append(file.field ?? 'file', new Blob([file.content]), file.name);
  const response = await fetch(`${server.url}${route}`, { method: 'POST', body: form });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: body as ApiBody, headers: response.headers };
}

/** Raw request (any content type); the body parsed as JSON when it is. */
export async function rawRequest(server: TestServer, method: string, route: string, body: string | undefined, contentType?: string): Promise<ApiResponse> {
  const response = await fetch(`${server.url}${route}`, { method, headers: contentType ? { 'content-type': contentType } : {}, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed as ApiBody, headers: response.headers };
}

/** Lines `YYYY-MM-DD HH:MM:SS [LEVEL] logger: [step] message` for a hand-written task log. */
export function logLine(timestamp: string, level: string, logger: string, step: string, message: string): string {
  return `${timestamp} [${level}] ${logger}: [${step}] ${message}`;
}

/** A request whose path is sent exactly as given (fetch would resolve `%2E%2E` segments itself). */
export function rawPath(server: TestServer, method: string, pathAndQuery: string): Promise<ApiResponse> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, method, path: pathAndQuery }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: response.statusCode ?? 0, body: body as ApiBody });
      });
    });
    request.on('error', reject);
    request.end();
  });
}
