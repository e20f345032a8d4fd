/**
 * The uploaded course of a class the learner joined (docs/api.md, *Classes*: *Course
 * bundles* and *Exercises of an uploaded course*), in the PyLearn sidebar below the
 * Classes area: its title, its chapters in `order`, their exercises with done marks.
 *
 * The bundle is kept in localStorage (`pylearn.v1.class-course.<class id>`, with its ETag)
 * so the course shows offline, and asked for again with `If-None-Match` whenever the
 * class list is fetched. Opening an exercise writes its chapter's notebook from the
 * bundle into the learner's files (`classes/<class name>/<notebook key>`), never over an
 * existing file, marked `metadata.pylearn.class = <class id>` so that its checks are
 * recorded as `class:<class id>/<exercise id>` (livechecks.ts).
 */
import type { Contents } from '@jupyterlab/services';

import { ApiClient, ApiError } from './api';
import type { IClassInfo, ICourseBundle } from './classes';
import { Children, h } from './dom';
import { CourseTree, isDone, progressBar } from './sidebar';
import type { KeyValue } from './store';
import type { ICatalogChapter, ICatalogExercise, IProgress } from './types';
import { CLASS_ID, classExerciseId } from './types';

/** Where a class's course bundle is kept (docs/privacy.md lists it). */
export const CLASS_COURSE_KEY_PREFIX = 'pylearn.v1.class-course.';

export const NOT_UPLOADED = 'Your teacher has not uploaded the course yet.';

/** The folder of the learner's files that class notebooks are written under. */
export const CLASSES_FOLDER = 'classes';

export function classCourseKey(classId: string): string {
  return CLASS_COURSE_KEY_PREFIX + classId;
}

/** What is kept of a class's course in this browser. */
export interface ICachedCourse {
  /** The bundle's ETag as the API sent it (quoted), or null when it sent none. */
  etag: string | null;
  bundle: ICourseBundle;
  /** The account (user id) it was fetched for: shown to that account only. */
  owner: string;
  /** The class, so that the course shows even when the class list cannot be fetched. */
  class: { id: string; name: string; teacher: string };
}

/** localStorage, which can also list its keys. */
export type ListableStorage = KeyValue & Pick<Storage, 'key' | 'length'>;

/** Whether `value` has the shape of a bundle as docs/api.md serves it. */
export function isCourseBundle(value: unknown): value is ICourseBundle {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const b = value as Partial<ICourseBundle>;
  return (
    typeof b.course === 'object' &&
    b.course !== null &&
    typeof b.course.title === 'string' &&
    Array.isArray(b.course.chapters) &&
    b.course.chapters.every(
      c =>
        typeof c === 'object' &&
        c !== null &&
        typeof c.id === 'string' &&
        typeof c.title === 'string' &&
        typeof c.notebook === 'string' &&
        Array.isArray(c.exercises) &&
        c.exercises.every(
          e =>
            typeof e === 'object' &&
            e !== null &&
            typeof e.id === 'string' &&
            typeof e.title === 'string'
        )
    ) &&
    typeof b.notebooks === 'object' &&
    b.notebooks !== null
  );
}

export function readCached(
  storage: KeyValue,
  classId: string
): ICachedCourse | null {
  try {
    const raw = storage.getItem(classCourseKey(classId));
    if (raw === null) {
      return null;
    }
    const value = JSON.parse(raw) as ICachedCourse;
    return value &&
      typeof value.owner === 'string' &&
      value.class?.id === classId &&
      isCourseBundle(value.bundle)
      ? value
      : null;
  } catch {
    return null;
  }
}

/** Keeps the course; false when the browser refused (quota): it is then shown, not kept. */
export function writeCached(storage: KeyValue, entry: ICachedCourse): boolean {
  try {
    storage.setItem(classCourseKey(entry.class.id), JSON.stringify(entry));
    return true;
  } catch {
    try {
      storage.removeItem(classCourseKey(entry.class.id));
    } catch {
      // Nothing kept either way.
    }
    return false;
  }
}

export function removeCached(storage: KeyValue, classId: string): void {
  try {
    storage.removeItem(classCourseKey(classId));
  } catch {
    // Storage refused: nothing to do.
  }
}

/** The ids of the class courses kept in this browser. */
export function cachedClassIds(storage: ListableStorage): string[] {
  const ids: string[] = [];
  try {
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key?.startsWith(CLASS_COURSE_KEY_PREFIX)) {
        ids.push(key.slice(CLASS_COURSE_KEY_PREFIX.length));
      }
    }
  } catch {
    return [];
  }
  return ids;
}

/**
 * Removes the class courses kept for any account but `owner` (all of them when nobody is
 * logged in): a course is kept only while its account is logged in here.
 */
export function pruneCached(
  storage: ListableStorage,
  owner: string | null
): void {
  for (const id of cachedClassIds(storage)) {
    const entry = readCached(storage, id);
    if (!owner || entry?.owner !== owner) {
      removeCached(storage, id);
    }
  }
}

/** The state of one class's course after asking the API. */
export type CourseFetch =
  | { kind: 'ready'; entry: ICachedCourse }
  | { kind: 'missing'; message: string }
  | { kind: 'error'; message: string; entry: ICachedCourse | null };

/**
 * Asks the API for the class's bundle with the ETag of the copy kept here: 304 keeps the
 * copy, 200 replaces it, 404 (none uploaded, or no longer a class of the user's) removes
 * it and says so; anything else keeps the copy and says what went wrong.
 */
export async function refreshCourse(
  api: ApiClient,
  token: string,
  owner: string,
  info: Pick<IClassInfo, 'id' | 'name' | 'teacher'>,
  storage: KeyValue
): Promise<CourseFetch> {
  const kept = readCached(storage, info.id);
  const usable = kept && kept.owner === owner ? kept : null;
  const classPart = {
    id: info.id,
    name: info.name,
    teacher: info.teacher.username
  };
  let answer;
  try {
    answer = await api.classCourseIfChanged(
      token,
      info.id,
      usable?.etag ?? null
    );
  } catch (error) {
    return {
      kind: 'error',
      message:
        error instanceof ApiError
          ? error.message
          : 'The course of this class could not be loaded.',
      entry: usable
    };
  }
  if (answer.kind === 'missing') {
    removeCached(storage, info.id);
    return { kind: 'missing', message: NOT_UPLOADED };
  }
  if (answer.kind === 'unchanged') {
    if (!usable) {
      return {
        kind: 'error',
        message: 'The course of this class could not be loaded.',
        entry: null
      };
    }
    const entry = { ...usable, class: classPart };
    writeCached(storage, entry);
    return { kind: 'ready', entry };
  }
  if (!isCourseBundle(answer.bundle)) {
    return {
      kind: 'error',
      message: 'The course of this class could not be read.',
      entry: usable
    };
  }
  const entry: ICachedCourse = {
    etag: answer.etag,
    bundle: answer.bundle,
    owner,
    class: classPart
  };
  writeCached(storage, entry);
  return { kind: 'ready', entry };
}

// --- Where the notebooks go -----------------------------------------------------------

/**
 * A class name as one folder name: no `/ \ : * ? " < > | % #` or control characters, spaces
 * collapsed, no leading or trailing dots and spaces, at most 60 characters; a name that
 * leaves nothing (or only dots) becomes `class-<class id>`.
 */
export function safeFolderName(name: string, classId: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .replace(/[/\\:*?"<>|%#]|\p{Cc}/gu, '-')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 60)
    .replace(/[\s.]+$/g, '');
  return cleaned && !/^[.-]*$/.test(cleaned) ? cleaned : `class-${classId}`;
}

/** `classes/<folder>/<notebook key>`: where a chapter's notebook is written. */
export function classNotebookPath(folder: string, notebookKey: string): string {
  return `${CLASSES_FOLDER}/${folder}/${notebookKey}`;
}

/** A copy of a bundle's notebook marked as the class's (`metadata.pylearn.class`). */
export function withClassMarker(notebook: unknown, classId: string): unknown {
  const copy = JSON.parse(JSON.stringify(notebook ?? {})) as {
    metadata?: Record<string, unknown>;
  };
  const metadata =
    typeof copy.metadata === 'object' && copy.metadata !== null
      ? copy.metadata
      : {};
  const pylearn =
    typeof metadata.pylearn === 'object' && metadata.pylearn !== null
      ? (metadata.pylearn as Record<string, unknown>)
      : {};
  copy.metadata = { ...metadata, pylearn: { ...pylearn, class: classId } };
  return copy;
}

/** The class marker of a notebook's content, if it has one. */
function markerOf(content: unknown): unknown {
  const metadata = (content as { metadata?: { pylearn?: { class?: unknown } } })
    ?.metadata;
  return metadata?.pylearn?.class;
}

/** The parts of Jupyter's contents manager used here (a server's or JupyterLite's). */
export type ContentsLike = Pick<Contents.IManager, 'get' | 'save'>;

async function exists(contents: ContentsLike, path: string): Promise<boolean> {
  try {
    await contents.get(path, { content: false });
    return true;
  } catch {
    return false;
  }
}

async function makeFolders(
  contents: ContentsLike,
  path: string
): Promise<void> {
  const parts = path.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const folder = parts.slice(0, i).join('/');
    if (!(await exists(contents, folder))) {
      await contents.save(folder, { type: 'directory' });
    }
  }
}

export class NotebookWriteError extends Error {}

/**
 * Puts the chapter's notebook in the learner's files and returns its path: an existing
 * file is never written over (the learner's work is kept, it is just opened). The folder
 * is the class's name; if a file there belongs to another class (or to none), the
 * folder `<name>-<class id>` is used instead.
 */
export async function ensureClassNotebook(
  contents: ContentsLike,
  info: Pick<IClassInfo, 'id' | 'name'>,
  notebookKey: string,
  notebook: unknown
): Promise<{ path: string; created: boolean }> {
  const folder = safeFolderName(info.name, info.id);
  const candidates = [folder, `${folder}-${info.id}`];
  for (const [index, candidate] of candidates.entries()) {
    const path = classNotebookPath(candidate, notebookKey);
    let existing: Contents.IModel | null = null;
    try {
      existing = await contents.get(path, { content: true, type: 'notebook' });
    } catch {
      existing = null;
    }
    if (existing) {
      if (
        markerOf(existing.content) === info.id ||
        index === candidates.length - 1
      ) {
        return { path, created: false };
      }
      continue;
    }
    try {
      await makeFolders(contents, path);
      await contents.save(path, {
        type: 'notebook',
        format: 'json',
        content: withClassMarker(notebook, info.id)
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.message
          ? ` (${error.message.split('\n')[0].slice(0, 200)})`
          : '';
      throw new NotebookWriteError(
        `PyLearn could not write ${path} in your files${reason}. Check that you can create files here, then try again.`
      );
    }
    return { path, created: true };
  }
  // Not reached: the last candidate always returns.
  throw new NotebookWriteError('PyLearn could not place this notebook.');
}

// --- The sidebar section --------------------------------------------------------------

/** The class's course as the sidebar's course list shows it (ids in `class:` form). */
export function classChapters(
  classId: string,
  bundle: ICourseBundle
): ICatalogChapter[] {
  return [...bundle.course.chapters]
    .sort((a, b) => a.order - b.order)
    .map(chapter => ({
      id: classExerciseId(classId, chapter.id),
      title: chapter.title,
      order: chapter.order,
      intro: null,
      exercises: chapter.exercises.map(ex => ({
        id: classExerciseId(classId, ex.id),
        title: ex.title,
        version: ex.version ?? null,
        path: chapter.notebook
      }))
    }));
}

/** What the section needs from the rest of PyLearn. */
export interface IClassCoursesContext {
  storage: ListableStorage;
  api(): ApiClient | null;
  token(): string | null;
  /** The logged-in account's user id, or null for a guest. */
  owner(): string | null;
  /**
   * The classes the user joined, or null while they are not known (not fetched yet, or
   * the fetch failed: offline, the courses kept here are shown).
   */
  joined(): IClassInfo[] | null;
  progress(): Map<string, IProgress>;
  /** Opens exercise `exerciseId` (plain id) of the chapter notebook `notebookKey`. */
  open(
    info: Pick<IClassInfo, 'id' | 'name'>,
    notebookKey: string,
    notebook: unknown,
    exerciseId: string
  ): Promise<void>;
  announce(message: string): void;
  /** Tells of a failure in a sentence (a notification). */
  notify(message: string): void;
}

/** What the section shows of a class. */
type ClassSummary = Pick<IClassInfo, 'id' | 'name' | 'teacher'>;

interface IShown {
  info: ClassSummary;
  state: 'loading' | 'ready' | 'missing' | 'error';
  entry: ICachedCourse | null;
  message: string;
  tree: CourseTree;
  /** Title, class, state and progress bar: drawn again when one of them changes. */
  head: HTMLElement;
  node: HTMLElement;
  key: string;
}

/** The sidebar section with the uploaded course of each class the learner joined. */
export class ClassCourses {
  readonly node: HTMLElement;
  private readonly shown = new Map<string, IShown>();
  private fetching = new Set<string>();
  private fetchedFor: unknown = null;
  private readonly leaving = new Set<string>();
  private progress = new Map<string, IProgress>();
  /** The account the kept courses were last pruned for (undefined: not yet). */
  private prunedFor: string | null | undefined = undefined;
  private offline: { owner: string; classes: ClassSummary[] } | null = null;

  constructor(private readonly context: IClassCoursesContext) {
    this.node = h('div', { className: 'pylearn-class-courses', hidden: true });
  }

  /** The learner confirmed leaving the class: its kept course goes once it is left. */
  leavingClass(classId: string): void {
    this.leaving.add(classId);
  }

  /**
   * Draws the section again. `listed` is the class list as last fetched (any new value
   * makes every course be asked for again with `If-None-Match`).
   */
  update(listed?: unknown): void {
    const { storage } = this.context;
    const owner = this.context.token() ? this.context.owner() : null;
    if (owner !== this.prunedFor) {
      // Once per account change (reading a kept bundle is not free).
      pruneCached(storage, owner);
      this.prunedFor = owner;
      this.offline = null;
    }
    const joined = this.context.joined();
    if (joined) {
      this.offline = null;
      for (const id of [...this.leaving]) {
        if (!joined.some(c => c.id === id)) {
          this.leaving.delete(id);
          removeCached(storage, id);
        }
      }
    }
    const classes: ClassSummary[] = !owner
      ? []
      : joined
        ? joined.filter(c => c.course === 'uploaded' && CLASS_ID.test(c.id))
        : this.keptClasses(owner);
    for (const id of [...this.shown.keys()]) {
      if (!classes.some(c => c.id === id)) {
        this.shown.get(id)?.node.remove();
        this.shown.delete(id);
      }
    }
    const before = this.progress;
    this.progress = this.context.progress();
    for (const info of classes) {
      let item = this.shown.get(info.id);
      if (!item) {
        const entry = readCached(storage, info.id);
        item = this.makeItem(info, entry?.owner === owner ? entry : null);
        this.shown.set(info.id, item);
      } else {
        item.info = info;
      }
      this.announceDone(item, before);
    }
    // Moved only when the list changed: moving a section would take the focus out of it.
    const wanted = classes.map(c => this.shown.get(c.id)!.node);
    const current = Array.from(this.node.children);
    if (
      wanted.length !== current.length ||
      wanted.some((node, i) => node !== current[i])
    ) {
      this.node.replaceChildren(...wanted);
    }
    this.node.hidden = classes.length === 0;
    for (const item of this.shown.values()) {
      this.draw(item);
    }
    if (joined && owner && listed !== undefined && listed !== this.fetchedFor) {
      this.fetchedFor = listed;
      for (const info of classes) {
        void this.fetch(info.id);
      }
    }
  }

  /** The classes whose course is kept here for `owner` (shown while the list is unknown). */
  private keptClasses(owner: string): ClassSummary[] {
    if (this.offline?.owner !== owner) {
      const { storage } = this.context;
      this.offline = {
        owner,
        classes: cachedClassIds(storage)
          .map(id => readCached(storage, id))
          .filter((e): e is ICachedCourse => e?.owner === owner)
          .map(e => ({
            id: e.class.id,
            name: e.class.name,
            teacher: { username: e.class.teacher }
          }))
      };
    }
    return this.offline.classes;
  }

  /** Asks the API for one class's course (unless asked already) and shows the answer. */
  async fetch(classId: string): Promise<void> {
    const item = this.shown.get(classId);
    const api = this.context.api();
    const token = this.context.token();
    const owner = this.context.owner();
    if (!item || !api || !token || !owner || this.fetching.has(classId)) {
      return;
    }
    this.fetching.add(classId);
    if (!item.entry) {
      item.state = 'loading';
      this.draw(item);
    }
    try {
      const answer = await refreshCourse(
        api,
        token,
        owner,
        item.info,
        this.context.storage
      );
      if (answer.kind === 'ready') {
        if (item.entry && item.entry.etag !== answer.entry.etag) {
          this.context.announce(
            `Your teacher updated the course of ${item.info.name}.`
          );
        }
        item.state = 'ready';
        item.entry = answer.entry;
        item.message = '';
      } else if (answer.kind === 'missing') {
        item.state = 'missing';
        item.entry = null;
        item.message = answer.message;
      } else {
        item.state = 'error';
        item.entry = answer.entry;
        item.message = answer.message;
      }
    } finally {
      this.fetching.delete(classId);
    }
    this.draw(item);
  }

  private makeItem(
    info: Pick<IClassInfo, 'id' | 'name' | 'teacher'>,
    entry: ICachedCourse | null
  ): IShown {
    const tree = new CourseTree(
      {
        openExercise: (exercise, chapter) =>
          void this.openExercise(info.id, exercise, chapter)
      },
      { headingLevel: 4 }
    );
    const head = h('div', { className: 'pylearn-class-course-head' });
    return {
      info,
      state: entry ? 'ready' : 'loading',
      entry,
      message: '',
      tree,
      head,
      node: h(
        'section',
        {
          className: 'pylearn-class-course',
          'data-class-id': info.id,
          'aria-labelledby': `pylearn-class-course-${info.id}`
        },
        [head, tree.node]
      ),
      key: ''
    };
  }

  private announceDone(item: IShown, before: Map<string, IProgress>): void {
    if (!item.entry) {
      return;
    }
    for (const chapter of classChapters(item.info.id, item.entry.bundle)) {
      for (const ex of chapter.exercises) {
        if (isDone(this.progress, ex.id) && !isDone(before, ex.id)) {
          this.context.announce(`Exercise “${ex.title}” is done.`);
        }
      }
    }
  }

  private draw(item: IShown): void {
    const { info, entry, state, message } = item;
    const chapters = entry ? classChapters(info.id, entry.bundle) : [];
    const title = entry?.bundle.course.title ?? `Course of ${info.name}`;
    const exercises = chapters.flatMap(c => c.exercises);
    const done = exercises.filter(ex => isDone(this.progress, ex.id)).length;
    const key = JSON.stringify([
      title,
      info.name,
      info.teacher.username,
      state,
      message,
      entry?.etag ?? null,
      done
    ]);
    if (key !== item.key) {
      item.key = key;
      const parts: Children = [
        h('h3', { id: `pylearn-class-course-${info.id}` }, [title]),
        h('p', { className: 'pylearn-note' }, [
          `Course of the class ${info.name} (teacher: ${info.teacher.username}).`
        ])
      ];
      if (state === 'loading') {
        parts.push(h('p', {}, ['Loading the course…']));
      } else if (state === 'missing') {
        parts.push(
          h('p', { className: 'pylearn-class-course-note' }, [message])
        );
      } else if (state === 'error') {
        parts.push(
          h('p', { className: 'pylearn-form-error' }, [
            entry
              ? `${message} The copy kept in this browser is shown.`
              : message
          ]),
          this.retryButton(info.id)
        );
      }
      if (entry) {
        parts.push(
          progressBar(done, exercises.length, `Progress in ${title}`),
          h('p', { className: 'pylearn-note pylearn-keys' }, [
            'Keys: ↑ ↓ move through the course, ← → close or open a chapter.'
          ])
        );
      }
      const focused = item.head.contains(document.activeElement)
        ? (document.activeElement as HTMLElement)
        : null;
      // The chapters stay in place below (moving them would take the focus out).
      item.head.replaceChildren(...present(parts));
      if (focused && !focused.isConnected) {
        item.node.querySelector<HTMLElement>('button')?.focus();
      }
    }
    item.tree.node.hidden = !entry;
    if (entry) {
      item.tree.render(chapters, this.progress);
    }
  }

  private retryButton(classId: string): HTMLElement {
    const retry = h(
      'button',
      { className: 'jp-mod-styled pylearn-button', type: 'button' },
      ['Try again']
    );
    retry.addEventListener('click', () => void this.fetch(classId));
    return retry;
  }

  private async openExercise(
    classId: string,
    exercise: ICatalogExercise,
    chapter: ICatalogChapter
  ): Promise<void> {
    const item = this.shown.get(classId);
    const entry = item?.entry;
    if (!item || !entry) {
      return;
    }
    const prefix = classExerciseId(classId, '');
    const plainId = exercise.id.slice(prefix.length);
    const notebookKey = exercise.path;
    const notebook = entry.bundle.notebooks[notebookKey];
    if (notebook === undefined) {
      this.context.notify(
        `The notebook of “${chapter.title}” is missing from this course. Ask your teacher to upload it again.`
      );
      return;
    }
    await this.context.open(item.info, notebookKey, notebook, plainId);
  }
}

function present(parts: Children): Array<Node | string> {
  return parts.filter(
    (p): p is Node | string => p !== null && p !== undefined && p !== false
  );
}
