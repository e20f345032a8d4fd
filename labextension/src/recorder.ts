/**
 * The one place check results enter the browser's progress store: the submission outputs
 * of the learner's own kernels are recorded here (livechecks.ts). The sidebar and the sync
 * engine hear about it through a window event.
 */
import { ProgressStore } from './store';
import type { ISubmission } from './types';

export const RECORDED_EVENT = 'pylearn:recorded';

export function browserStore(): ProgressStore {
  return new ProgressStore(window.localStorage);
}

export function recordSubmission(submission: ISubmission): boolean {
  const added = browserStore().record(submission);
  if (added) {
    window.dispatchEvent(
      new CustomEvent(RECORDED_EVENT, { detail: submission.exercise_id })
    );
  }
  return added;
}
