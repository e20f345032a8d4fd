/** The wire shapes PyLearn shares with the kernel, the Jupyter server and the PyLearn API. */

/** docs/api.md `Submission`: one check of one exercise, with an id made by the client. */
export interface ISubmission {
  id: string;
  exercise_id: string;
  code: string;
  passed: boolean;
  submitted_at: string;
  exercise_version?: string | null;
  solution_viewed?: boolean;
}

/** docs/api.md `Progress`: what the submissions of one exercise add up to. */
export interface IProgress {
  exercise_id: string;
  completed_at: string | null;
  attempts: number;
  last_code: string | null;
  last_submitted_at: string | null;
  /** The id of the latest submission (equal times: the greater id); absent from old APIs. */
  last_id?: string | null;
  solution_viewed: boolean;
}

/** docs/api.md `user` (section *Accounts*). */
export interface IUser {
  id: string;
  username: string;
  email: string;
  created_at: string;
}

export interface ICatalogExercise {
  id: string;
  title: string;
  version?: string | null;
  path: string;
}

export interface ICatalogChapter {
  id: string;
  title: string;
  order: number;
  intro: string | null;
  exercises: ICatalogExercise[];
}

/** `GET /pylearn/catalog` (server) or `pylearn/catalog.json` (JupyterLite). */
export interface ICatalog {
  format: number;
  chapters: ICatalogChapter[];
  api?: { proxy?: string; url?: string | null } | null;
}

export const SUBMISSION_MIME_TYPE = 'application/vnd.pylearn.submission+json';

const EXERCISE_ID = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** docs/api.md, *Classes*: a class id is 16 hexadecimal digits. */
export const CLASS_ID = /^[0-9a-f]{16}$/;

/**
 * docs/api.md, *Exercises of an uploaded course*: `class:<class id>/<exercise id>`, the id
 * an exercise of a class's uploaded course is recorded and synced under.
 */
export const CLASS_EXERCISE_ID =
  /^class:[0-9a-f]{16}\/[a-z0-9][a-z0-9._-]{0,127}$/;

/** Whether `id` is a plain exercise id (what a kernel reports). */
export function isExerciseId(id: unknown): id is string {
  return typeof id === 'string' && EXERCISE_ID.test(id);
}

/** The id an exercise of class `classId`'s uploaded course is recorded under. */
export function classExerciseId(classId: string, exerciseId: string): string {
  return `class:${classId}/${exerciseId}`;
}

/** A submission whose exercise id is plain (from a kernel), without the class form. */
export function isPlainSubmission(value: unknown): value is ISubmission {
  return (
    isSubmission(value) && EXERCISE_ID.test((value as ISubmission).exercise_id)
  );
}

/**
 * Accepts only what docs/api.md accepts, so a bad output never poisons the outbox: a plain
 * exercise id or the `class:<class id>/<exercise id>` form.
 */
export function isSubmission(value: unknown): value is ISubmission {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const s = value as Record<string, unknown>;
  return (
    typeof s.id === 'string' &&
    s.id.length > 0 &&
    typeof s.exercise_id === 'string' &&
    (EXERCISE_ID.test(s.exercise_id) ||
      CLASS_EXERCISE_ID.test(s.exercise_id)) &&
    typeof s.code === 'string' &&
    typeof s.passed === 'boolean' &&
    typeof s.submitted_at === 'string' &&
    !Number.isNaN(Date.parse(s.submitted_at)) &&
    (s.exercise_version === undefined ||
      s.exercise_version === null ||
      typeof s.exercise_version === 'string') &&
    (s.solution_viewed === undefined || typeof s.solution_viewed === 'boolean')
  );
}
