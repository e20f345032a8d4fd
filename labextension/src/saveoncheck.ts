/**
 * A check saves the learner's notebook: the answer just checked, with its verdict, is
 * written at once (to the server's disk, or to the browser's storage in JupyterLite), not
 * at the next autosave, so a server stopped or a tab closed right after a check loses
 * nothing.
 */
import type { ICellModel } from '@jupyterlab/cells';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';

import { isLearnerNotebook } from './setup';

/** Whether `cell` is the answer cell of an exercise (its run is a check). */
export function isAnswerCell(cell: ICellModel): boolean {
  const meta = cell.getMetadata('pylearn') as { role?: unknown } | undefined;
  return meta?.role === 'answer';
}

/** Saves `panel`'s notebook when it has unsaved changes; says so when that fails. */
export async function saveChecked(panel: NotebookPanel): Promise<void> {
  const context = panel.context;
  if (context.isDisposed || !context.model.dirty || context.model.readOnly) {
    return;
  }
  try {
    await context.save();
  } catch (error) {
    // JupyterLab has told the learner already (a dialog); the notebook stays unsaved.
    console.warn('PyLearn could not save the notebook after a check.', error);
  }
}

/** Saves a learner notebook each time one of its answer cells has run. */
export function saveAfterChecks(tracker: INotebookTracker): void {
  NotebookActions.executed.connect((_, { notebook, cell }) => {
    const panel = tracker.find(p => p.content === notebook);
    if (
      panel &&
      isLearnerNotebook(panel.context.model) &&
      isAnswerCell(cell.model)
    ) {
      void saveChecked(panel);
    }
  });
}
