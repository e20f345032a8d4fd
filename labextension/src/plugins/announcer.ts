/** The page's one live region, there before anything is said in it. */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { Announcer } from '../announcer';
import { IPyLearnAnnouncer } from '../tokens';

export const announcerPlugin: JupyterFrontEndPlugin<IPyLearnAnnouncer> = {
  id: 'pylearn-jupyter:announcer',
  description:
    "The page's one live region, where PyLearn speaks to screen readers.",
  autoStart: true,
  provides: IPyLearnAnnouncer,
  activate: (): IPyLearnAnnouncer => {
    const announcer = new Announcer();
    announcer.watch();
    return announcer;
  }
};
