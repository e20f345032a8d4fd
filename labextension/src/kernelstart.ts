/**
 * A learner who checks the moment an exercise shows must get a verdict, not silence.
 *
 * JupyterLab shows a notebook before the notebook has looked for its session (it first
 * makes a checkpoint, then looks for a session at its path and starts one when there is
 * none). A cell run in that moment finds no kernel, so JupyterLab starts a session of its
 * own for the run (`runCell` → `startKernel`). The notebook then goes on looking, finds
 * the session at its path and takes it instead, dropping the run's connection: the run is
 * cancelled and the cell shows nothing. In JupyterLite this is the rule, not the exception:
 * Python started with the page waits at the notebook's path (warmkernel.ts).
 *
 * So, in a learner notebook, a kernel start asked for before the notebook has looked for
 * its session waits until it has. Then there is a kernel (the one it found or started) and
 * the run goes to it; a kernel is started here only if there is still none. The notebook's
 * own start is never held: it comes after the look has begun.
 */
import type { ISessionContext } from '@jupyterlab/apputils';
import { PromiseDelegate } from '@lumino/coreutils';

/**
 * Makes `context` start no kernel of its own for a run before it has looked for its
 * session, when `applies()` (checked at the time: the notebook's content is loaded by
 * then). Must be called before the context is initialized: when the notebook is added.
 */
export function startKernelAfterLooking(
  context: ISessionContext,
  applies: () => boolean
): void {
  const initialize = context.initialize.bind(context);
  const startKernel = context.startKernel.bind(context);
  let looking = false;
  const looked = new PromiseDelegate<void>();
  const done = () => looked.resolve();
  context.disposed.connect(done);

  context.initialize = () => {
    looking = true;
    const result = initialize();
    result.then(done, done);
    return result;
  };
  context.startKernel = async () => {
    if (!looking && !context.isDisposed && applies()) {
      await looked.promise;
      if (context.isDisposed || context.session?.kernel) {
        return false;
      }
    }
    return startKernel();
  };
}
