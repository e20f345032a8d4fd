/**
 * One Python for the page, in JupyterLite.
 *
 * Python (Pyodide) is downloaded and started inside the page, which takes seconds. PyLearn
 * starts it as soon as the page starts, while JupyterLab is still loading, in a session of
 * the page's own that lasts as long as the page. Every exercise notebook opened in the page
 * joins that Python: the first check finds Python ready, or nearly, and every exercise
 * after the first checks at once.
 *
 * Why a session of the page's own, and not the first notebook's: ipywidgets, which draws
 * the check panels, keeps one widget manager per kernel, made for whichever notebook
 * connecting to the kernel is ready first, and JupyterLab lets only the first connection
 * to a kernel handle the widgets' messages. Were that a notebook, the check panels of the
 * others would hang on it: not drawn when another notebook happened to be ready first, and
 * never again once it closes. So the page's session connects first and holds the widget
 * manager, before any notebook joins, and it is never closed.
 *
 * A notebook joins by asking for that kernel before it looks for its session (its kernel
 * preference): when it finds none at its path, it starts one on that kernel.
 */
import type { ISessionContext } from '@jupyterlab/apputils';

/** Where the page's session is listed (a notebook path no file is ever written at). */
export const PAGE_PYTHON_PATH = 'pylearn/.python-for-exercises.ipynb';

/** The session's name, as the list of running sessions shows it. */
export const PAGE_PYTHON_NAME = 'Python started with the page (PyLearn)';

/** The parts of JupyterLab the page's Python is made of. */
export interface IPagePythonServices {
  /** The name of the default kernel, or null when there is none. */
  defaultKernel(): Promise<string | null>;
  /** A session context of the page's own, for a kernel named `kernelName`, not started. */
  createSession(kernelName: string): ISessionContext;
  /**
   * Makes the widget manager of the session's kernel, the one every notebook joining it
   * shares; resolves once notebooks that become ready after it find it.
   */
  manageWidgets(session: ISessionContext): Promise<void>;
}

/** The page's Python: started at once, joined by every exercise notebook. */
export class PagePython {
  private session: ISessionContext | null = null;
  private readonly started: Promise<void>;
  /** The notebooks' session contexts that joined it. */
  private readonly joined = new Set<ISessionContext>();

  constructor(private readonly services: IPagePythonServices) {
    this.started = this.start();
  }

  /**
   * The kernel a notebook joins, once the page's Python is there; null when there is none
   * (no kernel to start, a failed start, or its kernel is gone): the notebook then starts
   * its own, as JupyterLab always does.
   */
  async kernel(): Promise<string | null> {
    await this.started;
    const session = this.session;
    const kernel = session?.session?.kernel;
    if (!session || session.isDisposed || !kernel || kernel.isDisposed) {
      return null;
    }
    return kernel.status === 'dead' ? null : kernel.id;
  }

  /**
   * Joins `context` (a notebook's, before it looks for its session) to the page's Python:
   * the kernel it is to start its session on, or null (see {@link kernel}). From then on
   * the notebook shares the page's Python in restarts too: restarting it restarts it for
   * every notebook, and shutting it down restarts it instead, as fresh as a new one,
   * since ending it would end it for every notebook of the page (JupyterLite ends a
   * session's kernel with the session), leaving them no Python and no check panels.
   */
  async join(context: ISessionContext): Promise<string | null> {
    const kernel = await this.kernel();
    if (kernel && !context.isDisposed && !this.joined.has(context)) {
      this.joined.add(context);
      context.disposed.connect(() => this.joined.delete(context));
      const restart = context.restartKernel.bind(context);
      context.restartKernel = async () => {
        await restart();
        await this.reconnectAllBut(context);
      };
      context.shutdown = () => context.restartKernel();
    }
    return kernel;
  }

  /**
   * After a restart asked for from `restarted`, connects everyone else to the page's
   * Python again: JupyterLite ties a connection to the kernel it was made to, and a
   * restart makes a new one. The page's session first (its widget manager draws every
   * check panel), then the other notebooks.
   */
  private async reconnectAllBut(restarted: ISessionContext): Promise<void> {
    const others = [this.session, ...this.joined].filter(
      (context): context is ISessionContext =>
        !!context && context !== restarted && !context.isDisposed
    );
    await Promise.all(
      others.map(context =>
        context.session?.kernel
          ?.reconnect()
          .catch(error =>
            console.warn('PyLearn could not reconnect to Python.', error)
          )
      )
    );
  }

  private async start(): Promise<void> {
    let session: ISessionContext | null = null;
    try {
      const name = await this.services.defaultKernel();
      if (!name) {
        return;
      }
      session = this.services.createSession(name);
      await session.initialize();
      if (!session.session?.kernel) {
        throw new Error('no kernel started');
      }
      await this.services.manageWidgets(session);
      this.session = session;
    } catch (error) {
      console.warn(
        'PyLearn could not start Python with the page: each notebook starts its own.',
        error
      );
      if (session) {
        const failed = session;
        void failed
          .shutdown()
          .catch(() => undefined)
          .then(() => failed.dispose());
      }
    }
  }
}
