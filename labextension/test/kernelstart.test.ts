import { describe, expect, it } from 'vitest';
import { PromiseDelegate } from '@lumino/coreutils';
import { Signal } from '@lumino/signaling';

import { startKernelAfterLooking } from '../src/kernelstart';

/**
 * A notebook's session context as JupyterLab's behaves here: `initialize` refreshes the
 * list of sessions (it takes until `refreshed` is settled), takes the one listed at the
 * notebook's path, and when there is none starts a kernel through `startKernel`, the
 * context's own (wrapped) method; `startKernel` starts a session of its own (or, with
 * nothing to start, answers that a kernel must be chosen).
 */
function fakeContext(options: { startable?: boolean } = {}) {
  const refreshed = new PromiseDelegate<void>();
  const started: string[] = [];
  const running: Array<{ path: string; kernel: { id: string } }> = [];
  const disposed = new Signal<unknown, void>({});
  const context: any = {
    path: 'course/exercise.ipynb',
    kernelPreference: {} as { id?: string },
    isDisposed: false,
    session: null as { kernel: { id: string } } | null,
    sessionManager: { running: () => running[Symbol.iterator]() },
    disposed,
    async initialize() {
      await refreshed.promise;
      const found = running.find(model => model.path === context.path);
      if (found) {
        context.session = { kernel: found.kernel };
        return false;
      }
      return context.startKernel();
    },
    async startKernel() {
      await Promise.resolve();
      if (options.startable === false) {
        return true; // nothing to start: a kernel must be chosen
      }
      // A kernel preference with an id joins that kernel; otherwise a new one starts.
      const kernel =
        context.kernelPreference.id ?? `started-${started.length + 1}`;
      started.push(kernel);
      context.session = { kernel: { id: kernel } };
      return false;
    },
    dispose() {
      context.isDisposed = true;
      disposed.emit();
    }
  };
  /** Python started with the page, waiting at the notebook's path. */
  const warm = () =>
    running.push({ path: context.path, kernel: { id: 'warm-kernel' } });
  return { context, refreshed, started, warm };
}

const tick = () => new Promise(resolve => setTimeout(resolve, 0));

describe('a learner notebook starts a kernel once, after looking for its session', () => {
  it('holds a run asked for before the look, and starts nothing when the look finds a session', async () => {
    const { context, refreshed, started, warm } = fakeContext();
    warm();
    startKernelAfterLooking(context, () => true);
    let answered: boolean | undefined;
    void context.startKernel().then((value: boolean) => (answered = value));
    await tick();
    expect(answered).toBeUndefined(); // held until the notebook has looked
    const looking = context.initialize();
    refreshed.resolve();
    expect(await looking).toBe(false);
    await tick();
    expect(answered).toBe(false); // a kernel is there: the run goes to it
    expect(started).toEqual([]);
    expect(context.session.kernel.id).toBe('warm-kernel');
  });

  it('holds a run asked for during the look, when the look will find a session', async () => {
    const { context, refreshed, started, warm } = fakeContext();
    warm();
    startKernelAfterLooking(context, () => true);
    const looking = context.initialize();
    const run = context.startKernel();
    await tick();
    refreshed.resolve();
    await looking;
    expect(await run).toBe(false);
    expect(started).toEqual([]);
  });

  it('starts one kernel when there is no session to find, however many runs ask', async () => {
    const { context, refreshed, started } = fakeContext();
    startKernelAfterLooking(context, () => true);
    const early = context.startKernel();
    const looking = context.initialize();
    const during = context.startKernel();
    await tick();
    refreshed.resolve();
    expect(await looking).toBe(false); // the look's own start is the one start
    expect(await early).toBe(false);
    expect(await during).toBe(false);
    expect(started).toEqual(['started-1']);
  });

  it('lets the look ask for a kernel to be chosen when there is none to start', async () => {
    const { context, refreshed } = fakeContext({ startable: false });
    startKernelAfterLooking(context, () => true);
    const looking = context.initialize();
    refreshed.resolve();
    expect(await looking).toBe(true); // JupyterLab then asks the learner for one
  });

  it('changes nothing once the notebook has looked, or for other notebooks', async () => {
    const { context, refreshed, started, warm } = fakeContext();
    warm();
    startKernelAfterLooking(context, () => true);
    refreshed.resolve();
    await context.initialize();
    await context.startKernel(); // a start asked for later (after a shutdown, say)
    expect(started).toEqual(['started-1']);

    const other = fakeContext();
    other.warm();
    startKernelAfterLooking(other.context, () => false);
    await other.context.startKernel(); // not a learner notebook: at once, as before
    expect(other.started).toEqual(['started-1']);
  });

  it('lets go of a run held for a notebook closed before it looked', async () => {
    const { context, started } = fakeContext();
    startKernelAfterLooking(context, () => true);
    const run = context.startKernel();
    context.dispose();
    expect(await run).toBe(false);
    expect(started).toEqual([]);
  });

  it('joins the kernel it is given before looking, and holds runs until then', async () => {
    const { context, refreshed, started } = fakeContext();
    const joining = new PromiseDelegate<string | null>();
    let asked = 0;
    startKernelAfterLooking(
      context,
      () => true,
      () => {
        asked++;
        return joining.promise;
      }
    );
    const early = context.startKernel();
    const looking = context.initialize();
    const meanwhile = context.startKernel(); // the page's Python is not there yet
    expect(context.initialize()).toBe(looking); // one look, however often asked
    refreshed.resolve();
    await tick();
    expect(started).toEqual([]); // nothing starts before the kernel to join is known
    joining.resolve('page-kernel');
    expect(await looking).toBe(false);
    expect(await early).toBe(false);
    expect(await meanwhile).toBe(false);
    expect(asked).toBe(1);
    expect(started).toEqual(['page-kernel']); // one session, on the page's kernel
    expect(context.session.kernel.id).toBe('page-kernel');
  });

  it('starts a kernel of its own when there is none to join, or joining fails', async () => {
    for (const join of [
      async () => null,
      async () => {
        throw new Error('no Python for the page');
      }
    ]) {
      const { context, refreshed, started } = fakeContext();
      startKernelAfterLooking(context, () => true, join);
      refreshed.resolve();
      expect(await context.initialize()).toBe(false);
      expect(started).toEqual(['started-1']);
    }
  });

  it('asks other notebooks to join nothing', async () => {
    const { context, refreshed, started } = fakeContext();
    let asked = false;
    startKernelAfterLooking(
      context,
      () => false,
      async () => {
        asked = true;
        return 'page-kernel';
      }
    );
    refreshed.resolve();
    await context.initialize();
    expect(asked).toBe(false);
    expect(started).toEqual(['started-1']);
  });
});
