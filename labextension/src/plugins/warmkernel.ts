/**
 * JupyterLite only: Python starts with the page, not when the first exercise opens
 * (see ../warmkernel.ts).
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';

import type { KernelSpec } from '@jupyterlab/services';

import { WarmKernel, notebookInUrl } from '../warmkernel';

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

export const warmKernelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'pylearn-jupyter:warm-python',
  description:
    'In JupyterLite, starts Python while the page loads, for the first notebook opened.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    if (PageConfig.getOption('pylearnMode') !== 'lite') {
      return;
    }
    const services = app.serviceManager;
    const warm = new WarmKernel({
      sessions: services.sessions,
      defaultKernel: () => defaultKernel(services.kernelspecs)
    });
    void warm.start(notebookInUrl(window.location.search));
    tracker.widgetAdded.connect((_, panel) => {
      // At once, before the notebook looks for its session or runs a cell.
      const kernel = warm.claim(panel.context.path);
      if (kernel) {
        const session = panel.sessionContext;
        session.kernelPreference = { ...session.kernelPreference, id: kernel };
      }
    });
  }
};
