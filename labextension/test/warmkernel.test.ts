import { describe, expect, it } from 'vitest';

import {
  IWarmServices,
  WAITING_PATH,
  WARM_NAME,
  WarmKernel,
  notebookInUrl
} from '../src/warmkernel';

interface ISessionModel {
  id: string;
  path: string;
  name: string;
  type: string;
  kernel: { id: string; name: string } | null;
}

/** Sessions as JupyterLite keeps them in the page: a list that start and patch change. */
function fakeSessions(kernelName: string | null = 'python') {
  const list: ISessionModel[] = [];
  let count = 0;
  const services = {
    sessions: {
      running: () => list[Symbol.iterator](),
      refreshRunning: async () => undefined,
      startNew: async (options: {
        path: string;
        name: string;
        kernel: { name: string };
      }) => {
        count++;
        const model: ISessionModel = {
          id: `session-${count}`,
          path: options.path,
          name: options.name,
          type: 'notebook',
          kernel: { id: `kernel-${count}`, name: options.kernel.name }
        };
        list.push(model);
        return { model, dispose: () => undefined };
      },
      connectTo: ({ model }: { model: ISessionModel }) => ({
        setPath: async (path: string) => {
          list.find(s => s.id === model.id)!.path = path;
        },
        setName: async (name: string) => {
          list.find(s => s.id === model.id)!.name = name;
        },
        dispose: () => undefined
      })
    },
    defaultKernel: async () => kernelName
  } as unknown as IWarmServices;
  return { services, list };
}

describe('the notebook a page was opened on', () => {
  it('is the ?path= of a notebook, and nothing else', () => {
    expect(notebookInUrl('?path=pylearn/first/first.hello.ipynb')).toBe(
      'pylearn/first/first.hello.ipynb'
    );
    expect(notebookInUrl('?path=%2Fpylearn%2Fa%20b.ipynb')).toBe(
      'pylearn/a b.ipynb'
    );
    expect(notebookInUrl('?path=notes.txt')).toBeNull();
    expect(notebookInUrl('')).toBeNull();
  });
});

describe('Python started with the page', () => {
  it('starts in the session of the notebook the page was opened on', async () => {
    const { services, list } = fakeSessions();
    const warm = new WarmKernel(services);
    await warm.start('pylearn/first/first.hello.ipynb');
    expect(list).toHaveLength(1);
    expect(list[0].path).toBe('pylearn/first/first.hello.ipynb');
    expect(list[0].kernel?.name).toBe('python');
    // Never a notebook's file name: JupyterLite hands sessions out by name.
    expect(list[0].name).toBe(WARM_NAME);
    expect(list[0].name.endsWith('.ipynb')).toBe(false);
    // That notebook is told its kernel (a cell run early joins it); no other one is.
    expect(warm.claim('pylearn/first/first.hello.ipynb')).toBe('kernel-1');
    expect(warm.claim('pylearn/numbers/numbers.rectangle.ipynb')).toBeNull();
    expect(list[0].path).toBe('pylearn/first/first.hello.ipynb');
  });

  it('waits for the first notebook opened, which takes it over once', async () => {
    const { services, list } = fakeSessions();
    const warm = new WarmKernel(services);
    await warm.start(null);
    expect(list.map(s => s.path)).toEqual([WAITING_PATH]);

    expect(warm.claim('pylearn/first/first.poem.ipynb')).toBe('kernel-1');
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(list).toHaveLength(1);
    expect(list[0].path).toBe('pylearn/first/first.poem.ipynb');
    expect(list[0].name).toBe(WARM_NAME);
    expect(list[0].kernel?.id).toBe('kernel-1');
    // Asked again (a cell run early) it is the same; a second notebook gets none.
    expect(warm.claim('pylearn/first/first.poem.ipynb')).toBe('kernel-1');
    expect(warm.claim('pylearn/first/first.hello.ipynb')).toBeNull();
    expect(list.map(s => s.path)).toEqual(['pylearn/first/first.poem.ipynb']);
  });

  it('is not given to a notebook that has a session already', async () => {
    const { services, list } = fakeSessions();
    const warm = new WarmKernel(services);
    await warm.start(null);
    list.push({
      id: 'theirs',
      path: 'pylearn/mine.ipynb',
      name: 'mine.ipynb',
      type: 'notebook',
      kernel: { id: 'k', name: 'python' }
    });
    expect(warm.claim('pylearn/mine.ipynb')).toBeNull();
    expect(list.filter(s => s.path === 'pylearn/mine.ipynb')).toHaveLength(1);
    // It still waits for another notebook.
    expect(warm.claim('pylearn/other.ipynb')).toBe('kernel-1');
  });

  it('starts nothing twice, and nothing without a kernel to start', async () => {
    const { services, list } = fakeSessions();
    await new WarmKernel(services).start('pylearn/a.ipynb');
    await new WarmKernel(services).start('pylearn/a.ipynb');
    expect(list).toHaveLength(1);

    const none = fakeSessions(null);
    const warm = new WarmKernel(none.services);
    await warm.start(null);
    expect(none.list).toHaveLength(0);
    expect(warm.claim('pylearn/a.ipynb')).toBeNull();
  });
});
