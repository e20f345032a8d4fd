/**
 * Where the course comes from: the Jupyter server extension (`/pylearn/...`) or, in
 * JupyterLite, static files of the site. Both give the same catalog shape.
 */
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { Contents, ServerConnection } from '@jupyterlab/services';

import {
  IApiResponse,
  Transport,
  directTransport,
  jsonRequest,
  readBody
} from './api';
import { freeBackupPath } from './backup';
import type { ICatalog, ICatalogChapter, ICatalogExercise } from './types';

export class CourseError extends Error {}

export interface IOpenResult {
  path: string;
  created?: boolean;
}

export interface IResetResult {
  path: string;
  backup: string | null;
}

export interface ICourse {
  readonly mode: 'server' | 'lite';
  readonly catalog: ICatalog;
  /** How the front end reaches the PyLearn API, or null when accounts are unavailable. */
  readonly transport: Transport | null;
  /** Why accounts are unavailable, in a sentence (when `transport` is null). */
  readonly accountsUnavailable: string | null;
  /** The page the password reset mail links to (where a reset code can be pasted too). */
  readonly resetPage: string;
  openExercise(exercise: ICatalogExercise): Promise<IOpenResult>;
  openIntro(chapter: ICatalogChapter): Promise<IOpenResult>;
  resetExercise(exercise: ICatalogExercise): Promise<IResetResult>;
}

const NO_API_SENTENCE =
  'Accounts are not available here because no PyLearn server is configured: you can work as a guest, and your progress stays in this browser.';

function sortCatalog(catalog: ICatalog): ICatalog {
  const chapters = [...(catalog.chapters ?? [])].sort(
    (a, b) => a.order - b.order
  );
  return { ...catalog, chapters };
}

async function serverRequest(
  settings: ServerConnection.ISettings,
  path: string,
  init: RequestInit = {}
): Promise<IApiResponse> {
  const url = URLExt.join(settings.baseUrl, path);
  try {
    const response = await ServerConnection.makeRequest(url, init, settings);
    const etag = response.headers.get('ETag');
    return {
      status: response.status,
      data: await readBody(response),
      ...(etag ? { etag } : {})
    };
  } catch {
    return { status: 0, data: null };
  }
}

function detail(data: unknown, fallback: string): string {
  if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    for (const key of ['message', 'detail', 'reason']) {
      if (typeof d[key] === 'string' && d[key]) {
        return d[key] as string;
      }
    }
  }
  return fallback;
}

/**
 * The API through the Jupyter server's proxy. Jupyter's own token is left out (the
 * session cookie and XSRF header authenticate the request), so that the Authorization
 * header carries only the PyLearn token.
 */
function proxyTransport(
  base: ServerConnection.ISettings,
  proxy: string
): Transport {
  const settings = ServerConnection.makeSettings({
    baseUrl: base.baseUrl,
    wsUrl: base.wsUrl,
    appUrl: base.appUrl,
    token: ''
  });
  const prefix = proxy.replace(/^\/+/, '').replace(/\/+$/, '');
  return async (method, path, body, token, headers) => {
    return serverRequest(settings, prefix + path, {
      ...jsonRequest(method, body, token, headers),
      cache: 'no-store'
    });
  };
}

class ServerCourse implements ICourse {
  readonly mode = 'server';
  readonly transport: Transport | null;
  readonly accountsUnavailable: string | null;
  /** Served by the server extension (pylearn_jupyter/server/reset_page.py). */
  readonly resetPage = URLExt.join(
    PageConfig.getBaseUrl(),
    'pylearn/reset-password'
  );

  constructor(
    readonly catalog: ICatalog,
    private readonly settings: ServerConnection.ISettings
  ) {
    const proxy = catalog.api?.proxy;
    this.transport = proxy ? proxyTransport(settings, proxy) : null;
    this.accountsUnavailable = proxy ? null : NO_API_SENTENCE;
  }

  private async post(
    path: string
  ): Promise<{ path: string; created?: boolean; backup?: string }> {
    const answer = await serverRequest(this.settings, path, { method: 'POST' });
    if (answer.status >= 200 && answer.status < 300 && answer.data) {
      return answer.data as {
        path: string;
        created?: boolean;
        backup?: string;
      };
    }
    if (answer.status === 0) {
      throw new CourseError(
        'The Jupyter server cannot be reached. Check that it is still running.'
      );
    }
    throw new CourseError(
      detail(
        answer.data,
        `The Jupyter server could not do that (HTTP ${answer.status}).`
      )
    );
  }

  openExercise(exercise: ICatalogExercise): Promise<IOpenResult> {
    return this.post(
      `pylearn/exercises/${encodeURIComponent(exercise.id)}/open`
    );
  }

  openIntro(chapter: ICatalogChapter): Promise<IOpenResult> {
    return this.post(
      `pylearn/chapters/${encodeURIComponent(chapter.id)}/intro/open`
    );
  }

  async resetExercise(exercise: ICatalogExercise): Promise<IResetResult> {
    const answer = await this.post(
      `pylearn/exercises/${encodeURIComponent(exercise.id)}/reset`
    );
    return { path: answer.path, backup: answer.backup ?? null };
  }
}

export class LiteCourse implements ICourse {
  readonly mode = 'lite';
  readonly transport: Transport | null;
  readonly accountsUnavailable: string | null;
  /** A page of the site (pylearn_jupyter/lite/build.py, RESET_PAGE). */
  readonly resetPage = URLExt.join(
    PageConfig.getBaseUrl(),
    'pylearn/reset-password/'
  );

  constructor(
    readonly catalog: ICatalog,
    private readonly contents: Contents.IManager,
    apiUrl: string
  ) {
    this.transport = apiUrl ? directTransport(apiUrl) : null;
    this.accountsUnavailable = apiUrl ? null : NO_API_SENTENCE;
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await this.contents.get(path, { content: false });
      return true;
    } catch {
      return false;
    }
  }

  async openExercise(exercise: ICatalogExercise): Promise<IOpenResult> {
    return { path: exercise.path, created: false };
  }

  async openIntro(chapter: ICatalogChapter): Promise<IOpenResult> {
    if (!chapter.intro) {
      throw new CourseError('This chapter has no introduction.');
    }
    return { path: chapter.intro, created: false };
  }

  /** The pristine notebook: the copy the site keeps aside, else the site's own file. */
  private async original(path: string): Promise<unknown> {
    const aside = `pylearn/.originals/${path}`;
    if (await this.exists(aside)) {
      const model = await this.contents.get(aside, {
        content: true,
        type: 'notebook'
      });
      return model.content;
    }
    const url = URLExt.join(PageConfig.getBaseUrl(), 'files', path);
    const response = await fetch(url, {
      cache: 'no-store',
      credentials: 'same-origin'
    });
    if (!response.ok) {
      throw new CourseError(
        'The original of this exercise is not part of this site, so it cannot be restored.'
      );
    }
    return response.json();
  }

  async resetExercise(exercise: ICatalogExercise): Promise<IResetResult> {
    const original = await this.original(exercise.path);
    let backup: string | null = null;
    if (await this.exists(exercise.path)) {
      const current = await this.contents.get(exercise.path, {
        content: true,
        type: 'notebook'
      });
      backup = await freeBackupPath(exercise.path, path => this.exists(path));
      await this.contents.save(backup, {
        type: 'notebook',
        format: 'json',
        content: current.content
      });
    }
    await this.contents.save(exercise.path, {
      type: 'notebook',
      format: 'json',
      content: original
    });
    return { path: exercise.path, backup };
  }
}

async function liteCatalog(contents: Contents.IManager): Promise<ICatalog> {
  let model: Contents.IModel;
  try {
    model = await contents.get('pylearn/catalog.json', { content: true });
  } catch {
    throw new CourseError(
      'The course catalog (pylearn/catalog.json) is missing from this site, so PyLearn cannot list the exercises.'
    );
  }
  const content =
    typeof model.content === 'string'
      ? JSON.parse(model.content)
      : model.content;
  return sortCatalog(content as ICatalog);
}

/**
 * Finds the course: the server extension's catalog when there is one; otherwise (404 or
 * no server at all, or `pylearnMode: "lite"` in the page config) the JupyterLite files.
 */
export async function loadCourse(
  settings: ServerConnection.ISettings,
  contents: Contents.IManager,
  apiUrlSetting: string
): Promise<ICourse> {
  const apiUrl = PageConfig.getOption('pylearnApiUrl') || apiUrlSetting;
  if (PageConfig.getOption('pylearnMode') !== 'lite') {
    const answer = await serverRequest(settings, 'pylearn/catalog');
    if (answer.status === 200 && answer.data) {
      return new ServerCourse(sortCatalog(answer.data as ICatalog), settings);
    }
    if (answer.status !== 0 && answer.status !== 404) {
      throw new CourseError(
        detail(
          answer.data,
          `The course could not be loaded (HTTP ${answer.status}).`
        )
      );
    }
  }
  return new LiteCourse(await liteCatalog(contents), contents, apiUrl);
}
