/**
 * Check results enter the progress store only from the learner's own kernel: the
 * submission outputs a kernel sends while it runs a check (iopub messages), never outputs
 * saved in a notebook file. Opening someone else's notebook with their check outputs in it
 * therefore records nothing; the mime renderer only displays.
 *
 * A kernel may serve several notebooks (in JupyterLite every exercise of a session shares
 * one), and it sends its outputs to all of them: each notebook records only the outputs
 * of the checks it ran itself, so a check counts once, for the notebook it was made in.
 */
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { recordSubmission } from './recorder';
import {
  CLASS_ID,
  SUBMISSION_MIME_TYPE,
  classExerciseId,
  isPlainSubmission
} from './types';
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
  parent_header?: { session?: unknown } | Record<string, never> | null;
  content?: unknown;
}

/** Whether a kernel message answers a request of the connection with `clientId`. */
export function answersClient(
  message: IKernelMessageLike | null | undefined,
  clientId: string | undefined
): boolean {
  const parent = message?.parent_header as { session?: unknown } | null;
  return !!clientId && parent?.session === clientId;
}

/**
 * The submission a live kernel message carries, or null when it carries none. A kernel
 * reports plain exercise ids only; the class form is made here, by {@link forNotebook}.
 */
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
  return isPlainSubmission(value) ? value : null;
}

/**
 * The class a notebook belongs to: its `metadata.pylearn.class` marker (written when a
 * class's course notebook is put in the workspace). `undefined` when the notebook has no
 * marker; null when it has one that is not a class id (a forged or broken marker).
 */
export function notebookClass(
  pylearnMetadata: unknown
): string | null | undefined {
  if (typeof pylearnMetadata !== 'object' || pylearnMetadata === null) {
    return undefined;
  }
  if (!('class' in pylearnMetadata)) {
    return undefined;
  }
  const marker = (pylearnMetadata as { class?: unknown }).class;
  return typeof marker === 'string' && CLASS_ID.test(marker) ? marker : null;
}

/**
 * The submission as it is recorded for the notebook it came from: in a class's notebook,
 * under `class:<class id>/<exercise id>` (docs/api.md, *Exercises of an uploaded course*);
 * elsewhere unchanged. Null (nothing recorded) when the notebook's class marker is broken.
 */
export function forNotebook(
  submission: ISubmission,
  pylearnMetadata: unknown
): ISubmission | null {
  const classId = notebookClass(pylearnMetadata);
  if (classId === undefined) {
    return submission;
  }
  if (classId === null) {
    return null;
  }
  return {
    ...submission,
    exercise_id: classExerciseId(classId, submission.exercise_id)
  };
}

/**
 * Records the submissions of every notebook's kernel, for the notebooks open now and later.
 *
 * `classJoined` tells whether the user (still) teaches or is in a class: the checks made in
 * the notebook of a class they left are not recorded (the API would refuse them; the
 * verdict still shows in the notebook).
 */
export function watchLiveChecks(
  tracker: INotebookTracker,
  classJoined: (classId: string) => boolean | undefined = () => undefined
): void {
  const watched = new WeakSet<object>();
  const watch = (panel: NotebookPanel) => {
    const session = panel.sessionContext;
    if (watched.has(session)) {
      return;
    }
    watched.add(session);
    session.iopubMessage.connect((_, message) => {
      if (!answersClient(message, session.session?.kernel?.clientId)) {
        return;
      }
      const live = liveSubmission(message);
      const meta = panel.context?.model?.getMetadata('pylearn');
      const submission = live ? forNotebook(live, meta) : null;
      const classId = notebookClass(meta);
      if (!submission || (classId && classJoined(classId) === false)) {
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
