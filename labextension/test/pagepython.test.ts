import { describe, expect, it } from 'vitest';
import { PromiseDelegate } from '@lumino/coreutils';

import { IPagePythonServices, PagePython } from '../src/pagepython';

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
          isDisposed: false
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
