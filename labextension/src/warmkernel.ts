/**
 * In JupyterLite, Python (Pyodide) is downloaded and started inside the page, which takes
 * seconds. A notebook starts its kernel only once JupyterLab has loaded and the notebook
 * has opened; PyLearn starts Python as soon as the page starts instead, while JupyterLab
 * is still loading, so the learner's first check finds Python ready, or nearly.
 *
 * Python starts in a session of its own. When the page was opened on a notebook (a link
 * with `?path=`), that session is at the notebook's path from the start. Otherwise the
 * first notebook that opens claims it: the session moves to that notebook's path. Either
 * way the notebook is also told to use that kernel (its kernel preference), so that a cell
 * run before the notebook has found its session joins this Python instead of starting
 * another one.
 *
 * The session's name is never a notebook's file name: JupyterLite hands out a running
 * session by name, and a notebook given this one while asking for a new one would shut
 * it down.
 */
import type { Session } from '@jupyterlab/services';

import { sessionListedAt } from './kernelstart';

/** Where the session waits until a notebook takes it over. */
export const WAITING_PATH = 'pylearn/.python-for-exercises.ipynb';

/** The session's name (shown in the list of running sessions). */
export const WARM_NAME = 'Python started with the page (PyLearn)';

/** The parts of JupyterLab's services this module uses. */
export interface IWarmServices {
  sessions: Pick<
    Session.IManager,
    'startNew' | 'connectTo' | 'running' | 'refreshRunning'
  >;
  /** The name of the default kernel, or null when there is none. */
  defaultKernel(): Promise<string | null>;
}

/** The notebook a page was opened on (`?path=…ipynb`), or null. */
export function notebookInUrl(search: string): string | null {
  const path = new URLSearchParams(search).get('path');
  return path && path.endsWith('.ipynb') ? path.replace(/^\/+/, '') : null;
}

/** Python started early, waiting for the first notebook. */
export class WarmKernel {
  private session: Session.IModel | null = null;
  /** The notebook the session belongs to; null while it waits for one. */
  private owner: string | null = null;

  constructor(private readonly services: IWarmServices) {}

  /**
   * Starts Python in a session for `path` (the notebook the page was opened on) or, when
   * there is none, in a waiting session. Failures are left to the notebook, which then
   * starts its kernel as it always does.
   */
  async start(path: string | null): Promise<void> {
    const name = await this.services.defaultKernel();
    if (!name) {
      return;
    }
    const target = path ?? WAITING_PATH;
    try {
      await this.services.sessions.refreshRunning();
      if (sessionListedAt(this.services.sessions, target)) {
        return;
      }
      const connection = await this.services.sessions.startNew(
        { path: target, name: WARM_NAME, type: 'notebook', kernel: { name } },
        {}
      );
      this.session = connection.model;
      this.owner = path;
      connection.dispose();
    } catch (error) {
      console.warn('PyLearn could not start Python ahead of time.', error);
    }
  }

  /**
   * The kernel the notebook at `path` should use, or null: the notebook the session
   * belongs to, or the first notebook opened (which takes the waiting session over, unless
   * it has a session of its own already).
   */
  claim(path: string): string | null {
    const session = this.session;
    const kernel = session?.kernel?.id;
    if (!session || !kernel || path === WAITING_PATH) {
      return null;
    }
    if (this.owner !== null) {
      return this.owner === path ? kernel : null;
    }
    if (sessionListedAt(this.services.sessions, path)) {
      return null; // the notebook has a session already: it keeps it
    }
    this.owner = path;
    void this.move(session, path);
    return kernel;
  }

  /** Moves the waiting session to `path`, where the notebook looks for its session. */
  private async move(model: Session.IModel, path: string): Promise<void> {
    const connection = this.services.sessions.connectTo({ model });
    try {
      await connection.setPath(path);
      await this.services.sessions.refreshRunning();
    } catch (error) {
      console.warn(
        'PyLearn could not hand Python over to the notebook.',
        error
      );
    } finally {
      connection.dispose();
    }
  }
}
