import { describe, expect, it } from 'vitest';
import { PromiseDelegate } from '@lumino/coreutils';
import { Signal } from '@lumino/signaling';

import { startKernelAfterLooking } from '../src/kernelstart';

/**
 * A notebook's session context as JupyterLab's behaves here: `initialize` looks for the
 * session at the notebook's path (it takes until `found` is settled) and starts a kernel
 * through `startKernel` when there is none; `startKernel` starts a session of its own.
 */
function fakeContext() {
  const found = new PromiseDelegate<string | null>();
  const started: string[] = [];
  const disposed = new Signal<unknown, void>({});
  const context: any = {
    isDisposed: false,
    session: null as { kernel: { id: string } } | null,
    disposed,
    async initialize() {
      const kernel = await found.promise;
      if (kernel) {
        context.session = { kernel: { id: kernel } };
        return false;
      }
      return context.startKernel();
    },
    async startKernel() {
      const kernel = `started-${started.length + 1}`;
      started.push(kernel);
      context.session = { kernel: { id: kernel } };
      return false;
    },
    dispose() {
      context.isDisposed = true;
      disposed.emit();
    }
  };
  return { context, found, started };
}

const tick = () => new Promise(resolve => setTimeout(resolve, 0));

describe('a kernel start asked for before the notebook looked for its session', () => {
  it('waits for the look, and starts nothing when the notebook finds its session', async () => {
    const { context, found, started } = fakeContext();
    startKernelAfterLooking(context, () => true);
    let answered: boolean | undefined;
    void context.startKernel().then((value: boolean) => (answered = value));
    await tick();
    expect(answered).toBeUndefined(); // held until the notebook has looked
    const looking = context.initialize();
    found.resolve('warm-kernel');
    await looking;
    await tick();
    expect(answered).toBe(false); // a kernel is there: the run goes to it
    expect(started).toEqual([]);
    expect(context.session.kernel.id).toBe('warm-kernel');
  });

  it('lets the notebook start its own kernel when it finds none, and starts no second', async () => {
    const { context, found, started } = fakeContext();
    startKernelAfterLooking(context, () => true);
    const run = context.startKernel();
    const looking = context.initialize();
    found.resolve(null);
    expect(await looking).toBe(false);
    expect(await run).toBe(false);
    expect(started).toEqual(['started-1']);
  });

  it('starts a kernel once the look is over if there is still none', async () => {
    const { context, found, started } = fakeContext();
    // A notebook whose own look ended without a kernel (nothing to start it with).
    context.initialize = async () => {
      await found.promise;
      return true;
    };
    startKernelAfterLooking(context, () => true);
    const run = context.startKernel();
    const looking = context.initialize();
    found.resolve(null);
    await looking;
    expect(await run).toBe(false);
    expect(started).toEqual(['started-1']);
  });

  it('changes nothing once the notebook has looked, or for other notebooks', async () => {
    const { context, found, started } = fakeContext();
    startKernelAfterLooking(context, () => true);
    found.resolve('warm-kernel');
    await context.initialize();
    await context.startKernel(); // a start asked for later (after a shutdown, say)
    expect(started).toEqual(['started-1']);

    const other = fakeContext();
    startKernelAfterLooking(other.context, () => false);
    await other.context.startKernel(); // not a learner notebook: at once, as before
    expect(other.started).toEqual(['started-1']);
  });

  it('lets go of a start held for a notebook closed before it looked', async () => {
    const { context, started } = fakeContext();
    startKernelAfterLooking(context, () => true);
    const run = context.startKernel();
    context.dispose();
    expect(await run).toBe(false);
    expect(started).toEqual([]);
  });
});
