/**
 * PyLearn in JupyterLab and Notebook 7: the sidebar, the Check button, and sync.
 *
 * - `pylearn-jupyter:announcer` provides the page's one live region (IPyLearnAnnouncer);
 * - `pylearn-jupyter:sync` provides the progress, account and sync service (IPyLearnSync);
 * - `pylearn-jupyter:plugin` reads the settings, shows the sidebar and provides the course
 *   (IPyLearnCourse);
 * - `pylearn-jupyter:check-panel` wires the check panels of exercise cells;
 * - `pylearn-jupyter:classes` provides the Classes area of the sidebar and the teacher's
 *   Class panel (IPyLearnClasses);
 * - `pylearn-jupyter:page-python` starts Python with the page in JupyterLite, for every
 *   exercise notebook to join (IPyLearnPagePython).
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { announcerPlugin } from './plugins/announcer';
import { checkPanelPlugin } from './plugins/checkpanel';
import { classesPlugin } from './plugins/classes';
import { sidebarPlugin } from './plugins/sidebar';
import { syncPlugin } from './plugins/sync';
import { pagePythonPlugin } from './plugins/pagepython';

export { CommandIDs } from './commands';
export {
  IPyLearnAnnouncer,
  IPyLearnClasses,
  IPyLearnCourse,
  IPyLearnPagePython,
  IPyLearnSync
} from './tokens';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  pagePythonPlugin,
  announcerPlugin,
  syncPlugin,
  classesPlugin,
  sidebarPlugin,
  checkPanelPlugin
];

export default plugins;
