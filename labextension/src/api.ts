/**
 * The PyLearn API as the front end uses it (docs/api.md), over a transport that is either the
 * Jupyter server's proxy or a direct CORS fetch (JupyterLite).
 */
import type { IClassInfo, IClassProgress, ICourseBundle } from './classes';
import type { KeyValue } from './store';
import type { IProgress, ISubmission, IUser } from './types';

export interface IApiResponse {
  /** HTTP status; 0 when the request never got an answer (offline, DNS, refused). */
  status: number;
  data: unknown;
  /** The answer's `ETag` header, when it has one (docs/api.md, *Course bundles*). */
  etag?: string | null;
}

/** Sends one request to `/api/v1<path>`; never throws for HTTP or network failures. */
export type Transport = (
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  headers?: Record<string, string>
) => Promise<IApiResponse>;

/**
 * docs/api.md, *Throttling*: login and register carry this header, naming the browser
 * (never the account), so that failed logins are counted per device and guesses made
 * elsewhere never lock the learner out.
 */
export const DEVICE_HEADER = 'X-PyLearn-Device';

/** Where the device id is kept (docs/privacy.md lists it). */
export const DEVICE_KEY = 'pylearn.v1.device';

const DEVICE_ID = /^[0-9a-f]{32}$/;

/** Used when localStorage cannot be read or written: one id for this page's lifetime. */
let pageDevice: string | null = null;

function browserStorage(): KeyValue | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * This browser's device id: 128 random bits from `crypto.getRandomValues` as 32 hex
 * digits, made once and kept in localStorage. It is sent only with login and register.
 */
export function deviceId(
  storage: KeyValue | null = browserStorage(),
  fill: (bytes: Uint8Array) => Uint8Array = bytes =>
    crypto.getRandomValues(bytes)
): string {
  try {
    const kept = storage?.getItem(DEVICE_KEY);
    if (kept && DEVICE_ID.test(kept)) {
      return kept;
    }
  } catch {
    // Storage refused (private mode, quota): fall through to a fresh id.
  }
  if (!storage && pageDevice) {
    return pageDevice;
  }
  const id = Array.from(fill(new Uint8Array(16)), b =>
    b.toString(16).padStart(2, '0')
  ).join('');
  try {
    if (storage) {
      storage.setItem(DEVICE_KEY, id);
      return id;
    }
  } catch {
    // Not kept: remembered for this page only.
  }
  pageDevice = pageDevice ?? id;
  return pageDevice;
}

/** One entry of a 422 answer's `errors` list: the offending field and what is wrong. */
export interface IFieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The answer's body as the API sent it (`detail`, and `errors` for a 422). */
    readonly data: unknown = null
  ) {
    super(message);
  }

  /** The fields a 422 answer names (docs/api.md: `errors: [{field, message}]`). */
  get fieldErrors(): IFieldError[] {
    return fieldErrorList(this.data);
  }

  /** The answer's own `detail` sentence, if it had one. */
  get detail(): string | null {
    return detailOf(this.data);
  }

  get offline(): boolean {
    return (
      this.status === 0 ||
      this.status === 502 ||
      this.status === 503 ||
      this.status === 504
    );
  }
}

function detailOf(data: unknown): string | null {
  if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    for (const key of ['detail', 'message']) {
      if (typeof d[key] === 'string' && d[key]) {
        return d[key] as string;
      }
    }
  }
  return null;
}

/** docs/api.md: 422 answers may name the offending fields: `errors: [{field, message}]`. */
function fieldErrorList(data: unknown): IFieldError[] {
  const errors = (data as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) {
    return [];
  }
  return errors
    .filter(e => e && typeof e === 'object' && typeof e.message === 'string')
    .map(e => ({
      field: typeof e.field === 'string' ? e.field : '',
      message: e.message
    }));
}

function fieldErrors(data: unknown): string {
  return fieldErrorList(data)
    .map(e => (e.field ? `${e.field}: ${e.message}` : e.message))
    .join('; ');
}

/** A sentence for the learner: what happened and what to do. */
export function errorSentence(status: number, data: unknown): string {
  const detail = detailOf(data);
  if (status === 0) {
    return 'The PyLearn server cannot be reached. Check your connection; PyLearn will keep trying.';
  }
  if (status === 502 || status === 504) {
    return 'The PyLearn server is not answering right now; PyLearn will keep trying.';
  }
  if (status === 503) {
    return 'The PyLearn server is unavailable right now; PyLearn will keep trying.';
  }
  if (status === 413) {
    return 'That was too much data for the PyLearn server at once.';
  }
  const problems = fieldErrors(data);
  if (detail) {
    return problems ? `${detail} ${problems}` : detail;
  }
  return `The PyLearn server answered with an error (HTTP ${status}). Please try again later.`;
}

export interface IAuthAnswer {
  token: string;
  user: IUser;
}

export interface IExportData {
  user: IUser;
  progress: IProgress[];
  submissions: ISubmission[];
  exported_at: string;
}

/** What {@link ApiClient.classCourseIfChanged} found. */
export type CourseAnswer =
  | { kind: 'changed'; etag: string | null; bundle: ICourseBundle }
  | { kind: 'unchanged' }
  | { kind: 'missing' };

/** Typed calls; each resolves with the data or rejects with an {@link ApiError}. */
export class ApiClient {
  constructor(
    private readonly transport: Transport,
    /** The device id sent with login and register (docs/api.md, *Throttling*). */
    private readonly device: () => string = () => deviceId()
  ) {}

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers?: Record<string, string>
  ): Promise<T> {
    const response = await this.transport(method, path, body, token, headers);
    if (response.status >= 200 && response.status < 300) {
      return response.data as T;
    }
    throw new ApiError(
      response.status,
      errorSentence(response.status, response.data),
      response.data
    );
  }

  register(
    username: string,
    email: string,
    password: string
  ): Promise<IAuthAnswer> {
    return this.call(
      'POST',
      '/auth/register',
      { username, email, password },
      undefined,
      {
        [DEVICE_HEADER]: this.device()
      }
    );
  }

  login(login: string, password: string): Promise<IAuthAnswer> {
    return this.call('POST', '/auth/login', { login, password }, undefined, {
      [DEVICE_HEADER]: this.device()
    });
  }

  /** Always 202 for a well-formed address (docs/api.md, Accounts): the mail may not come. */
  async requestPasswordReset(email: string): Promise<void> {
    await this.call('POST', '/auth/password-reset', { email });
  }

  me(token: string): Promise<IUser> {
    return this.call('GET', '/me', undefined, token);
  }

  progress(token: string): Promise<{ items: IProgress[] }> {
    return this.call('GET', '/progress', undefined, token);
  }

  submit(token: string, items: ISubmission[]): Promise<{ items: IProgress[] }> {
    return this.call('POST', '/submissions', { items }, token);
  }

  exportData(token: string): Promise<IExportData> {
    return this.call('GET', '/me/export', undefined, token);
  }

  deleteAccount(token: string, password: string): Promise<void> {
    return this.call('DELETE', '/me', { password }, token);
  }

  // Classes (docs/api.md, *Classes*).

  /** The classes the user teaches or has joined, oldest first. */
  classes(token: string): Promise<{ items: IClassInfo[] }> {
    return this.call('GET', '/classes', undefined, token);
  }

  createClass(
    token: string,
    name: string,
    course: 'pylearn' | 'uploaded'
  ): Promise<IClassInfo> {
    return this.call('POST', '/classes', { name, course }, token);
  }

  /** Joins with `join_code`; sent only after the learner agreed to what the teacher sees. */
  joinClass(token: string, joinCode: string): Promise<IClassInfo> {
    return this.call(
      'POST',
      '/classes/join',
      { join_code: joinCode, consent: true },
      token
    );
  }

  leaveClass(token: string, classId: string): Promise<void> {
    return this.call(
      'DELETE',
      `/classes/${encodeURIComponent(classId)}/membership`,
      undefined,
      token
    );
  }

  classProgress(token: string, classId: string): Promise<IClassProgress> {
    return this.call(
      'GET',
      `/classes/${encodeURIComponent(classId)}/progress`,
      undefined,
      token
    );
  }

  classCourse(token: string, classId: string): Promise<ICourseBundle> {
    return this.call(
      'GET',
      `/classes/${encodeURIComponent(classId)}/course`,
      undefined,
      token
    );
  }

  /**
   * The class's course bundle unless the copy named by `etag` is still current
   * (`If-None-Match`, docs/api.md *Course bundles*): `changed` with the bundle and its
   * ETag (200), `unchanged` (304), or `missing` (404: none uploaded yet, or not a class of
   * the user's). Rejects with an {@link ApiError} otherwise.
   */
  async classCourseIfChanged(
    token: string,
    classId: string,
    etag: string | null
  ): Promise<CourseAnswer> {
    const response = await this.transport(
      'GET',
      `/classes/${encodeURIComponent(classId)}/course`,
      undefined,
      token,
      etag ? { 'If-None-Match': etag } : undefined
    );
    if (response.status === 304) {
      return { kind: 'unchanged' };
    }
    if (response.status === 404) {
      return { kind: 'missing' };
    }
    if (response.status === 200 && response.data) {
      return {
        kind: 'changed',
        etag: response.etag ?? null,
        bundle: response.data as ICourseBundle
      };
    }
    throw new ApiError(
      response.status,
      errorSentence(response.status, response.data),
      response.data
    );
  }

  /** Uploads a course bundle (the JSON of `pylearn release --bundle`). */
  uploadClassCourse(
    token: string,
    classId: string,
    bundle: unknown
  ): Promise<{ version: string }> {
    return this.call(
      'PUT',
      `/classes/${encodeURIComponent(classId)}/course`,
      bundle,
      token
    );
  }
}

/** Method, headers and body of a JSON call to the API, whichever way it travels. */
export function jsonRequest(
  method: string,
  body: unknown,
  token: string | null | undefined,
  extra: Record<string, string> = {}
): {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
} {
  const headers: Record<string, string> = {
    ...extra,
    Accept: 'application/json'
  };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (token) {
    headers['Authorization'] = `Bearer ${token}`;
  }
  return {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body)
  };
}

/** JupyterLite / standalone: straight to the API with CORS, never with cookies. */
export function directTransport(
  apiUrl: string,
  fetchFn: typeof fetch = (...args) => fetch(...args)
): Transport {
  const base = apiUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '') + '/api/v1';
  return async (method, path, body, token, headers) => {
    try {
      const response = await fetchFn(base + path, {
        ...jsonRequest(method, body, token, headers),
        mode: 'cors',
        credentials: 'omit',
        cache: 'no-store'
      });
      const etag = response.headers?.get('ETag');
      return {
        status: response.status,
        data: await readBody(response),
        ...(etag ? { etag } : {})
      };
    } catch {
      return { status: 0, data: null };
    }
  };
}

export async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return { detail: null };
  }
}

/** Seconds until a JWT's `exp`, or null when it carries none or cannot be read. */
function tokenExpiry(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3) {
    return null;
  }
  try {
    const payload = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = payload + '='.repeat((4 - (payload.length % 4)) % 4);
    const claims = JSON.parse(atob(padded)) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp : null;
  } catch {
    return null;
  }
}

/** A token the client can tell is unusable (malformed or past `exp`). */
export function tokenExpired(
  token: string,
  nowMs: number = Date.now()
): boolean {
  const exp = tokenExpiry(token);
  return exp === null || exp * 1000 <= nowMs;
}
