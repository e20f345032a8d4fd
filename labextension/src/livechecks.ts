/**
 * Check results enter the progress store only from the learner's own kernel: the
 * submission outputs a kernel sends while it runs a check (iopub messages), never outputs
 * saved in a notebook file. Opening someone else's notebook with their check outputs in it
 * therefore records nothing; the mime renderer only displays.
 */
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { recordSubmission } from './recorder';
import { SUBMISSION_MIME_TYPE, isSubmission } from './types';
import type { ISubmission } from './types';

/** The iopub messages that carry a displayed output. */
const OUTPUT_MESSAGES = new Set([
  'display_data',
  'update_display_data',
  'execute_result'
]);

/** The parts of a kernel message this module reads. */
export interface IKernelMessageLike {
  header?: { msg_type?: unknown } | null;
  content?: unknown;
}

/** The submission a live kernel message carries, or null when it carries none. */
export function liveSubmission(
  message: IKernelMessageLike | null | undefined
): ISubmission | null {
  const type = message?.header?.msg_type;
  if (typeof type !== 'string' || !OUTPUT_MESSAGES.has(type)) {
    return null;
  }
  const content = message?.content;
  if (typeof content !== 'object' || content === null) {
    return null;
  }
  const data = (content as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) {
    return null;
  }
  const value = (data as Record<string, unknown>)[SUBMISSION_MIME_TYPE];
  return isSubmission(value) ? value : null;
}

/** Records the submissions of every notebook's kernel, for the notebooks open now and later. */
export function watchLiveChecks(tracker: INotebookTracker): void {
  const watched = new WeakSet<object>();
  const watch = (panel: NotebookPanel) => {
    const session = panel.sessionContext;
    if (watched.has(session)) {
      return;
    }
    watched.add(session);
    session.iopubMessage.connect((_, message) => {
      const submission = liveSubmission(message);
      if (!submission) {
        return;
      }
      try {
        recordSubmission(submission);
      } catch (error) {
        console.warn(
          'PyLearn could not record a check result in this browser.',
          error
        );
      }
    });
  };
  tracker.forEach(watch);
  tracker.widgetAdded.connect((_, panel) => watch(panel));
}
