import { describe, expect, it } from 'vitest';
import { PromiseDelegate } from '@lumino/coreutils';
import { Signal } from '@lumino/signaling';

import { IPagePythonServices, PagePython } from '../src/pagepython';

/** Who connected to the page's Python again, in order. */
let reconnects: string[] = [];

/** A session context as JupyterLab's: `initialize` starts a kernel of the given name. */
function fakeSession(kernelName: string, fails = false) {
  const session: any = {
    isDisposed: false,
    session: null as { kernel: any } | null,
    shutDown: false,
    async initialize() {
      if (fails) {
        throw new Error('Pyodide did not load');
      }
      session.session = {
        kernel: {
          id: `kernel-of-${kernelName}`,
          status: 'starting',
          isDisposed: false,
          reconnect: async () => {
            reconnects.push('page');
          }
        }
      };
      return false;
    },
    async shutdown() {
      session.shutDown = true;
    },
    dispose() {
      session.isDisposed = true;
    }
  };
  return session;
}

function fakeServices(
  options: { kernelName?: string | null; fails?: boolean } = {}
) {
  const sessions: any[] = [];
  const events: string[] = [];
  const widgets = new PromiseDelegate<void>();
  const services: IPagePythonServices = {
    defaultKernel: async () =>
      options.kernelName === undefined ? 'python' : options.kernelName,
    createSession: (name: string) => {
      const session = fakeSession(name, options.fails);
      sessions.push(session);
      return session;
    },
    manageWidgets: async () => {
      events.push('widget manager asked');
      await widgets.promise;
      events.push('widget manager made');
    }
  };
  return { services, sessions, events, widgets };
}

const tick = () => new Promise(resolve => setTimeout(resolve, 0));

describe('the Python of the page', () => {
  it('starts at once in a session of its own, and every notebook joins its kernel', async () => {
    const { services, sessions, events, widgets } = fakeServices();
    const python = new PagePython(services);
    await tick();
    expect(sessions).toHaveLength(1); // started before any notebook asked
    const first = python.kernel().then(kernel => {
      events.push(`joined ${kernel}`);
      return kernel;
    });
    await tick();
    // No notebook joins before the widget manager of the kernel is there.
    expect(events).toEqual(['widget manager asked']);
    widgets.resolve();
    expect(await first).toBe('kernel-of-python');
    expect(events).toEqual([
      'widget manager asked',
      'widget manager made',
      'joined kernel-of-python'
    ]);
    expect(await python.kernel()).toBe('kernel-of-python'); // the second notebook too
    expect(sessions).toHaveLength(1);
  });

  it('gives no kernel to join when there is no kernel to start', async () => {
    const { services, sessions } = fakeServices({ kernelName: null });
    expect(await new PagePython(services).kernel()).toBeNull();
    expect(sessions).toHaveLength(0);
  });

  it('gives no kernel to join when Python failed to start, and ends its session', async () => {
    const { services, sessions } = fakeServices({ fails: true });
    expect(await new PagePython(services).kernel()).toBeNull();
    await tick();
    expect(sessions[0].shutDown).toBe(true);
    expect(sessions[0].isDisposed).toBe(true);
  });

  it('gives no kernel to join once its kernel is gone', async () => {
    const { services, sessions, widgets } = fakeServices();
    widgets.resolve();
    const python = new PagePython(services);
    expect(await python.kernel()).toBe('kernel-of-python');
    sessions[0].session.kernel.status = 'dead'; // shut down from a notebook, say
    expect(await python.kernel()).toBeNull();
  });
});

/** A notebook's session context, joined to the page's kernel once it has looked. */
function notebookContext(name: string) {
  const events: string[] = [];
  const disposed = new Signal<unknown, void>({});
  const context: any = {
    isDisposed: false,
    disposed,
    session: {
      kernel: {
        reconnect: async () => {
          reconnects.push(name);
        }
      }
    },
    async restartKernel() {
      events.push('restarted');
    },
    async shutdown() {
      events.push('shut down');
    },
    dispose() {
      context.isDisposed = true;
      disposed.emit();
    }
  };
  return { context, events };
}

/** The page's Python, started (its widget manager made), with no reconnect seen yet. */
function startedPython(): PagePython {
  reconnects = [];
  const { services, widgets } = fakeServices();
  widgets.resolve();
  return new PagePython(services);
}

describe("notebooks that joined the page's Python", () => {
  it('restart it for all: everyone else connects to the new one', async () => {
    const python = startedPython();
    const a = notebookContext('a');
    const b = notebookContext('b');
    const c = notebookContext('c');
    expect(await python.join(a.context)).toBe('kernel-of-python');
    expect(await python.join(b.context)).toBe('kernel-of-python');
    expect(await python.join(c.context)).toBe('kernel-of-python');
    c.context.dispose(); // closed: nothing to connect again

    await b.context.restartKernel();
    expect(b.events).toEqual(['restarted']);
    expect(reconnects).toEqual(['page', 'a']); // the page's session first, never b itself
  });

  it('restart it when asked to shut it down, which would end it for every notebook', async () => {
    const python = startedPython();
    const a = notebookContext('a');
    await python.join(a.context);
    await a.context.shutdown();
    expect(a.events).toEqual(['restarted']);
    expect(reconnects).toEqual(['page']);
  });

  it('are left as they are when there is no Python of the page', async () => {
    const { services } = fakeServices({ kernelName: null });
    const a = notebookContext('a');
    expect(await new PagePython(services).join(a.context)).toBeNull();
    await a.context.shutdown();
    expect(a.events).toEqual(['shut down']);
  });
});
