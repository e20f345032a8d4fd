/**
 * JupyterLite only: Python starts with the page, and every exercise notebook joins it
 * (see ../pagepython.ts).
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { SessionContext } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { INotebookModel } from '@jupyterlab/notebook';
import {
  IRenderMimeRegistry,
  RenderMimeRegistry
} from '@jupyterlab/rendermime';
import type { KernelSpec } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';

import { PAGE_PYTHON_NAME, PAGE_PYTHON_PATH, PagePython } from '../pagepython';
import { IPyLearnPagePython } from '../tokens';

/**
 * The default kernel's name once JupyterLite has registered its kernels (they may come
 * after this plugin starts), or null when none comes.
 */
async function defaultKernel(
  specs: KernelSpec.IManager
): Promise<string | null> {
  await specs.ready;
  if (!specs.specs?.default) {
    await specs.refreshSpecs();
  }
  return specs.specs?.default || null;
}

/**
 * Gives the kernel of `session` its ipywidgets manager, as ipywidgets does for a notebook
 * (keyed by the kernel: every notebook on that kernel uses it), with a notebook model of
 * the page's own that no file backs and nothing saves.
 */
async function manageWidgets(
  app: JupyterFrontEnd,
  rendermime: IRenderMimeRegistry,
  session: SessionContext
): Promise<void> {
  const { registerWidgetManager } =
    await import('@jupyter-widgets/jupyterlab-manager');
  const model = app.docRegistry.getModelFactory('notebook')?.createNew({});
  if (!model) {
    throw new Error('no notebook model factory');
  }
  const context = {
    path: PAGE_PYTHON_PATH,
    sessionContext: session,
    model,
    saveState: new Signal<unknown, DocumentRegistry.SaveState>(session),
    urlResolver: new RenderMimeRegistry.UrlResolver({
      path: PAGE_PYTHON_PATH,
      contents: app.serviceManager.contents
    })
  };
  registerWidgetManager(
    context as unknown as DocumentRegistry.IContext<INotebookModel>,
    rendermime,
    [][Symbol.iterator]()
  );
  // ipywidgets files the manager once the session is ready, a few promise steps later:
  // past this timer it has, so a notebook ready after this finds it.
  await session.ready;
  await new Promise(resolve => setTimeout(resolve, 0));
}

export const pagePythonPlugin: JupyterFrontEndPlugin<IPyLearnPagePython> = {
  id: 'pylearn-jupyter:page-python',
  description:
    'In JupyterLite, starts Python with the page; every exercise notebook joins it.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  provides: IPyLearnPagePython,
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry
  ): IPyLearnPagePython => {
    if (PageConfig.getOption('pylearnMode') !== 'lite') {
      return { join: async () => null };
    }
    const services = app.serviceManager;
    return new PagePython({
      defaultKernel: () => defaultKernel(services.kernelspecs),
      createSession: kernelName =>
        new SessionContext({
          sessionManager: services.sessions,
          specsManager: services.kernelspecs,
          kernelManager: services.kernels,
          path: PAGE_PYTHON_PATH,
          type: 'notebook',
          name: PAGE_PYTHON_NAME,
          kernelPreference: { name: kernelName, shouldStart: true }
        }),
      manageWidgets: session =>
        manageWidgets(app, rendermime, session as SessionContext)
    });
  }
};
