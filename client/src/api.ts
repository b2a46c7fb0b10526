/** The Mastodon REST API of the instance serving this page, with the signed-in member's token. */
const TOKEN_KEY = 'subspace.token';

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function currentToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function rememberToken(token: string | null) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export interface Page<T> {
  data: T;
  /** the `Link` header's rel="next", for older items */
  next: string | null;
}

interface Options {
  method?: string;
  /** an object is sent as JSON, FormData as multipart */
  body?: unknown;
  headers?: Record<string, string>;
}

function nextLink(header: string | null): string | null {
  const match = header && /<([^>]+)>;\s*rel="next"/.exec(header);
  return match ? match[1]! : null;
}

export async function apiPage<T>(path: string, options: Options = {}): Promise<Page<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const token = currentToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.body instanceof FormData || options.body instanceof URLSearchParams) body = options.body;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(path, { method: options.method ?? 'GET', headers, body });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, (data && typeof data.error === 'string' && data.error) || `The server answered ${response.status}`);
  return { data: data as T, next: nextLink(response.headers.get('link')) };
}

export async function api<T>(path: string, options: Options = {}): Promise<T> {
  return (await apiPage<T>(path, options)).data;
}

/** A query string, with Rails' `name[]` arrays. */
export function query(params: Record<string, string | number | boolean | string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) search.append(`${key}[]`, item);
    else search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
