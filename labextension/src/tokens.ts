/**
 * The services PyLearn's plugins share, each behind a token: the page's live region,
 * the account and sync service, and the course.
 */
import type { ISessionContext } from '@jupyterlab/apputils';
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

import type { ApiClient, IAuthAnswer } from './api';
import type { ICourse } from './course';
import type { IFormProblem } from './formerrors';
import type { ISidebarView } from './sidebar';
import type { ICatalogChapter, ICatalogExercise } from './types';

/** The page's one live region: everything PyLearn says to screen readers goes through it. */
export interface IPyLearnAnnouncer {
  /** Says `message` politely (it never interrupts). */
  say(message: string): void;
}

export const IPyLearnAnnouncer = new Token<IPyLearnAnnouncer>(
  'pylearn-jupyter:IPyLearnAnnouncer',
  "The page's one live region, where PyLearn says everything to screen readers."
);

/** What the account and sync service shows: progress, who is logged in, the sync state. */
export type AccountView = Pick<
  ISidebarView,
  'progress' | 'user' | 'sync' | 'guestUploaded'
>;

/**
 * The learner's progress in this browser, the PyLearn account, and its sync. Created
 * without an API; the course plugin connects one once the course says how to reach it.
 */
export interface IPyLearnSync {
  /** Emitted whenever `view()` may have changed. */
  readonly changed: ISignal<IPyLearnSync, void>;
  /** Whether the PyLearn API can be reached from here (accounts are available). */
  readonly hasApi: boolean;
  /** Whether someone is logged in. */
  readonly loggedIn: boolean;
  view(): AccountView;
  /** Uses `api` from now on (null: guest only); stops the former sync. */
  connect(api: ApiClient | null): void;
  /** Starts syncing, and refreshes from the account every `intervalSeconds` (≥ 30). */
  start(intervalSeconds: number): Promise<void>;
  /** Fetches the account's progress, then sends the checks still waiting here. */
  syncNow(): Promise<void>;
  /** Resolves with what went wrong (shown next to the fields), or null once logged in. */
  login(login: string, password: string): Promise<IFormProblem | null>;
  register(
    username: string,
    email: string,
    password: string
  ): Promise<IFormProblem | null>;
  /** Asks the API to mail a reset link to `email`; null once asked. */
  requestReset(email: string): Promise<IFormProblem | null>;
  /** Finishes a register or log in: offers the guest progress, then loads and syncs. */
  signedIn(auth: IAuthAnswer): Promise<void>;
  logout(): Promise<void>;
  exportData(): Promise<void>;
  deleteAccount(): Promise<void>;
  forgetGuest(): void;
}

export const IPyLearnSync = new Token<IPyLearnSync>(
  'pylearn-jupyter:IPyLearnSync',
  'The progress kept in this browser, the PyLearn account and its sync.'
);

/** The course: where it comes from, and opening or resetting its notebooks. */
export interface IPyLearnCourse {
  /** The loaded course, or null while loading or when it could not be loaded. */
  readonly course: ICourse | null;
  /** Loads the course again (the sidebar's retry). */
  reload(): Promise<void>;
  openExercise(exercise: ICatalogExercise): Promise<void>;
  openIntro(chapter: ICatalogChapter): Promise<void>;
  resetExercise(exercise: ICatalogExercise): Promise<void>;
  /**
   * Opens a learner notebook (or brings it forward) with the cursor in the answer of
   * `exerciseId`; in JupyterLite it joins the Python of the exercises already open.
   */
  openNotebook(path: string, exerciseId?: string): Promise<void>;
}

export const IPyLearnCourse = new Token<IPyLearnCourse>(
  'pylearn-jupyter:IPyLearnCourse',
  'The PyLearn course: its catalog, and opening or resetting its notebooks.'
);

/** Classes: the learner's Classes area in the sidebar and the teacher's Class panel. */
export interface IPyLearnClasses {
  /**
   * Uses `course` (its API and catalog) from now on, and shows the Classes area through
   * `addArea` (the sidebar puts it below the account area).
   */
  attach(course: IPyLearnCourse, addArea: (node: HTMLElement) => void): void;
  /** Tells that the course was (re)loaded: its API may be reachable now. */
  courseChanged(): void;
  /** Opens (or shows) the teacher's Class panel in the main area. */
  openPanel(): void;
  /**
   * Whether the user logged in teaches or has joined the class `classId`; undefined
   * while that is not known (a guest, or the list of classes not fetched).
   */
  inClass(classId: string): boolean | undefined;
}

export const IPyLearnClasses = new Token<IPyLearnClasses>(
  'pylearn-jupyter:IPyLearnClasses',
  "Classes: joining and leaving in the sidebar, and the teacher's Class panel."
);

/** The Python every exercise notebook of the page joins (JupyterLite; none elsewhere). */
export interface IPyLearnPagePython {
  /**
   * Joins a notebook's session context, before it looks for its session: the kernel to
   * start its session on, once it is there, or null when there is none to join.
   */
  join(context: ISessionContext): Promise<string | null>;
}

export const IPyLearnPagePython = new Token<IPyLearnPagePython>(
  'pylearn-jupyter:IPyLearnPagePython',
  'The Python every exercise notebook of a JupyterLite page joins.'
);
