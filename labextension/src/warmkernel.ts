/**
 * In JupyterLite, Python (Pyodide) is downloaded and started inside the page, which takes
 * seconds. A notebook starts its kernel only once JupyterLab has loaded and the notebook
 * has opened; PyLearn starts Python as soon as the page starts instead, while JupyterLab
 * is still loading, so the learner's first check finds Python ready, or nearly.
 *
 * Python starts in a session of its own. When the page was opened on a notebook (a link
 * with `?path=`), that session is the notebook's from the start. Otherwise the first
 * notebook that opens takes it over: the session moves to that notebook's path before the
 * notebook looks for a session of its own, so it finds this one and uses its kernel.
 */
import { PathExt } from '@jupyterlab/coreutils';
import type { Session } from '@jupyterlab/services';

/** Where the session waits until a notebook takes it over. */
export const WAITING_PATH = 'pylearn/.python-for-exercises.ipynb';

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
  private waiting: Session.IModel | null = null;
  private claimed = false;

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
      for (const model of this.services.sessions.running()) {
        if (model.path === target) {
          return;
        }
      }
      const connection = await this.services.sessions.startNew(
        {
          path: target,
          name: PathExt.basename(target),
          type: 'notebook',
          kernel: { name }
        },
        {}
      );
      if (path) {
        this.claimed = true;
      } else {
        this.waiting = connection.model;
      }
      connection.dispose();
    } catch (error) {
      console.warn('PyLearn could not start Python ahead of time.', error);
    }
  }

  /**
   * Gives the waiting session to the notebook at `path`, which must not have a kernel
   * yet. Resolves true when the session now belongs to that notebook.
   */
  async handOver(path: string): Promise<boolean> {
    const model = this.waiting;
    if (this.claimed || !model || path === WAITING_PATH) {
      return false;
    }
    await this.services.sessions.refreshRunning();
    for (const running of this.services.sessions.running()) {
      if (running.path === path) {
        return false; // the notebook has a session already: it keeps it
      }
    }
    if (this.claimed) {
      return false;
    }
    this.claimed = true;
    this.waiting = null;
    const connection = this.services.sessions.connectTo({ model });
    try {
      await connection.setPath(path);
      await connection.setName(PathExt.basename(path));
      await this.services.sessions.refreshRunning();
      return true;
    } catch (error) {
      console.warn(
        'PyLearn could not hand Python over to the notebook.',
        error
      );
      return false;
    } finally {
      connection.dispose();
    }
  }
}
