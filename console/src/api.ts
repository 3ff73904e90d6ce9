/**
 * The v1 API as the console uses it. The API key lives in sessionStorage only (gone when the tab
 * closes), travels in the X-API-Key header, and never in a URL or in localStorage.
 */

const KEY_ITEM = 'recotem.console.apiKey';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_ITEM);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(KEY_ITEM);
    else sessionStorage.setItem(KEY_ITEM, key);
  } catch {
    // Storage disabled: the key then lasts only as long as this page.
  }
  memoryKey = key;
}

let memoryKey: string | null = storedKey();

/** An error answer of the API: status, the `code` of the body when there is one, and its text. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the server rejects the key, so the app can ask for a new one. */
let onUnauthorized: (err: ApiError) => void = () => undefined;
export function setUnauthorizedHandler(handler: (err: ApiError) => void): void {
  onUnauthorized = handler;
}

async function request(method: string, path: string, body?: unknown, key: string | null = memoryKey) {
  const headers: Record<string, string> = { accept: 'application/json, text/plain' };
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(0, null, `The server did not answer (${(err as Error).message})`);
  }
  if (res.ok) return res;
  let code: string | null = null;
  let message = `${res.status} ${res.statusText}`;
  try {
    const json = (await res.json()) as {
      code?: string;
      detail?: string;
      errors?: { loc: (string | number)[]; msg: string }[];
    };
    code = json.code ?? null;
    if (json.errors?.length) message = json.errors.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; ');
    else if (json.detail) message = json.detail;
  } catch {
    // Not JSON: keep the status line.
  }
  const err = new ApiError(res.status, code, message);
  if (res.status === 401) onUnauthorized(err);
  throw err;
}

export async function getJson<T>(path: string, key?: string | null): Promise<T> {
  return (await (await request('GET', path, undefined, key)).json()) as T;
}

export async function getText(path: string): Promise<string> {
  return (await request('GET', path)).text();
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return (await (await request('POST', path, body)).json()) as T;
}

export const recipePath = (name: string) => `/v1/recipes/${encodeURIComponent(name)}`;
