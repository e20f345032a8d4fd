/**
 * The check panels in notebooks: every learner notebook's kernel is set up silently (no
 * setup cell) and the cursor waits in the answer; the Check button runs its exercise cell,
 * the results of the learner's own kernels are recorded, and the panel can be used from
 * the keyboard.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { wireCheckButtons } from '../checkbuttons';
import { addPanelKeyboard } from '../keyboard';
import { startKernelAfterLooking } from '../kernelstart';
import { watchLiveChecks } from '../livechecks';
import { saveAfterChecks } from '../saveoncheck';
import {
  isLearnerNotebook,
  placeCursorInAnswer,
  runChecksWhenReady,
  setUpKernels,
  showKernelState
} from '../setup';
import {
  IPyLearnAnnouncer,
  IPyLearnClasses,
  IPyLearnPagePython
} from '../tokens';

export const checkPanelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'pylearn-jupyter:check-panel',
  description:
    'The PyLearn check panels of exercise cells, and recording their results.',
  autoStart: true,
  requires: [INotebookTracker, IPyLearnAnnouncer],
  optional: [ICommandPalette, IPyLearnClasses, IPyLearnPagePython],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    announcer: IPyLearnAnnouncer,
    palette: ICommandPalette | null,
    classes: IPyLearnClasses | null,
    pagePython: IPyLearnPagePython | null
  ): void => {
    addPanelKeyboard(app, tracker, announcer, palette);
    wireCheckButtons(tracker);
    saveAfterChecks(tracker);
    watchLiveChecks(tracker, classId => classes?.inClass(classId));
    const prepare = (panel: NotebookPanel) => {
      void panel.context.ready.then(() => {
        if (isLearnerNotebook(panel.context.model)) {
          setUpKernels(panel);
          showKernelState(panel, message => announcer.say(message));
          // After the page's own start (restoring the layout moves the focus) and once
          // the notebook is shown, or the cursor would be taken away again.
          void Promise.all([app.restored, panel.revealed]).then(() =>
            placeCursorInAnswer(panel)
          );
        }
      });
    };
    runChecksWhenReady(tracker, message => announcer.say(message));
    tracker.forEach(prepare);
    tracker.widgetAdded.connect((_, panel) => {
      // At once: before the notebook looks for its session.
      startKernelAfterLooking(
        panel.sessionContext,
        () => isLearnerNotebook(panel.context.model),
        async () => (pagePython ? pagePython.join(panel.sessionContext) : null)
      );
      prepare(panel);
    });
  }
};
