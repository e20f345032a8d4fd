/**
 * A learner who checks the moment an exercise shows must get a verdict, not silence.
 *
 * JupyterLab shows a notebook before the notebook has looked for its session (it first
 * makes a checkpoint, then looks for a session at its path, and starts one when there is
 * none). A cell run before the look is over finds no kernel, so JupyterLab starts a
 * session of its own for the run (`runCell` → `startKernel`), beside the look:
 * - when the look finds a session, the notebook takes it and drops the run's, cancelling
 *   the run; or the run's session, arriving second, makes the notebook shut the one it
 *   found down;
 * - when the look finds none, the notebook starts one too, and shuts down whichever of the
 *   two comes first.
 * In JupyterLite this is the rule, not the exception: Python starts with the page and
 * notebooks join it (pagepython.ts), and shutting a session down there also ends its
 * kernel, even one that another session uses. The run never runs.
 *
 * So, in a learner notebook, a kernel start asked for before the look begins, or during
 * it when the look will find a session (one is listed at the notebook's path), waits for
 * the look and then starts a kernel only if there is still none. When there is no session
 * to find, the starts asked for during the look (the look's own among them) are one start.
 * The look itself is JupyterLab's, untouched: when the notebook says it is ready, its
 * kernel is there, as the widgets' manager expects.
 *
 * What is left: a run during the look, when the session the look finds was not listed
 * yet when the run came, still starts a session of its own beside it.
 */
import type { ISessionContext } from '@jupyterlab/apputils';
import type { Session } from '@jupyterlab/services';
import { PromiseDelegate } from '@lumino/coreutils';

/** Whether a session is listed at `path` (as a notebook's look for its session sees it). */
export function sessionListedAt(
  sessions: Pick<Session.IManager, 'running'>,
  path: string
): boolean {
  for (const model of sessions.running()) {
    if (model.path === path) {
      return true;
    }
  }
  return false;
}

/**
 * Makes `context` start a kernel once, after looking for its session, when `applies()`
 * (checked when the look or a start is asked for: the notebook's content is loaded by
 * then). Before the look, it asks `join` for a kernel to join (the page's Python in
 * JupyterLite), and makes it the notebook's kernel preference: starts asked for until then
 * wait too. Must be called before the context is initialized: when the notebook is added.
 */
export function startKernelAfterLooking(
  context: ISessionContext,
  applies: () => boolean,
  join: () => Promise<string | null> = async () => null
): void {
  const initialize = context.initialize.bind(context);
  const startKernel = context.startKernel.bind(context);
  let looking = false;
  let lookedDone = false;
  const looked = new PromiseDelegate<void>();
  const done = () => {
    lookedDone = true;
    looked.resolve();
  };
  context.disposed.connect(done);
  /** The one start of the look's time, shared by all who ask for one then. */
  let starting: Promise<boolean> | null = null;

  const look = async (): Promise<boolean> => {
    const kernel = applies() ? await join().catch(() => null) : null;
    if (kernel && !context.isDisposed) {
      context.kernelPreference = { ...context.kernelPreference, id: kernel };
    }
    looking = true;
    return initialize();
  };
  let lookedFor: Promise<boolean> | null = null;
  context.initialize = () => {
    if (!lookedFor) {
      lookedFor = look();
      lookedFor.then(done, done);
    }
    return lookedFor;
  };

  context.startKernel = async () => {
    if (lookedDone || context.isDisposed || !applies()) {
      return startKernel();
    }
    if (!looking || sessionListedAt(context.sessionManager, context.path)) {
      // The look is yet to come, or it takes the session listed: wait for it.
      await looked.promise;
      if (context.isDisposed || context.session?.kernel) {
        return false;
      }
      return startKernel();
    }
    // No session to find: the look starts one (this may be its own call). All who ask
    // before the look is over share that one start, whoever asked first.
    starting ??= startKernel();
    return starting;
  };
}
