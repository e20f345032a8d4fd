// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';

vi.mock('@jupyterlab/ui-components', () => ({
  LabIcon: class {
    constructor(readonly options: unknown) {}
  }
}));

import { ApiClient, Transport } from '../src/api';
import type { IClassInfo, ICourseBundle } from '../src/classes';
import {
  ClassCourses,
  ContentsLike,
  ICachedCourse,
  NOT_UPLOADED,
  classChapters,
  classCourseKey,
  ensureClassNotebook,
  pruneCached,
  readCached,
  refreshCourse,
  safeFolderName,
  withClassMarker
} from '../src/classcourse';
import type { IProgress } from '../src/types';

const CLASS = '0f3a9c2e7b1d4a58';
const OTHER = 'abcdefabcdef0123';

const bundle: ICourseBundle = {
  format: 1,
  course: {
    title: 'Python 101',
    chapters: [
      {
        id: 'week2',
        title: 'Week 2: loops',
        order: 2,
        notebook: 'week2/exercises.ipynb',
        exercises: [{ id: 'week2.count', title: 'Count', version: '1' }]
      },
      {
        id: 'week1',
        title: 'Week 1: numbers',
        order: 1,
        notebook: 'week1/exercises.ipynb',
        exercises: [
          { id: 'week1.sum', title: 'Add two numbers', version: '2' },
          { id: 'week1.double', title: 'Double', version: '1' }
        ]
      }
    ]
  },
  notebooks: {
    'week1/exercises.ipynb': {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { pylearn: { format: 1, checks: 'QUJD' } },
      cells: []
    },
    'week2/exercises.ipynb': {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: []
    }
  }
};

const info: IClassInfo = {
  id: CLASS,
  name: 'Python 101 / Monday',
  role: 'learner',
  course: 'uploaded',
  teacher: { username: 'grace' },
  created_at: '2024-01-01T00:00:00Z',
  learners_count: 3
};

/** localStorage stand-in that can list its keys. */
class ListStorage {
  readonly data = new Map<string, string>();
  get length(): number {
    return this.data.size;
  }
  key(i: number): string | null {
    return [...this.data.keys()][i] ?? null;
  }
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

function answering(
  status: number,
  data: unknown = null,
  etag: string | null = null
): { api: ApiClient; sent: Array<Record<string, string> | undefined> } {
  const sent: Array<Record<string, string> | undefined> = [];
  const transport: Transport = async (_m, _p, _b, _t, headers) => {
    sent.push(headers);
    return { status, data, etag };
  };
  return { api: new ApiClient(transport), sent };
}

function kept(etag: string, title = 'Old title'): ICachedCourse {
  return {
    etag,
    bundle: { ...bundle, course: { ...bundle.course, title } },
    owner: 'u1',
    class: { id: CLASS, name: info.name, teacher: 'grace' }
  };
}

describe('refreshCourse: the bundle kept in this browser and its ETag', () => {
  it('test_200_replaces_the_kept_copy_and_keeps_the_etag', async () => {
    const storage = new ListStorage();
    storage.setItem(classCourseKey(CLASS), JSON.stringify(kept('"v1"')));
    const { api, sent } = answering(200, bundle, '"v2"');
    const answer = await refreshCourse(api, 'T', 'u1', info, storage);
    expect(sent[0]?.['If-None-Match']).toBe('"v1"');
    expect(answer.kind).toBe('ready');
    const entry = readCached(storage, CLASS);
    expect(entry?.etag).toBe('"v2"');
    expect(entry?.bundle.course.title).toBe('Python 101');
    expect(storage.data.has(`pylearn.v1.class-course.${CLASS}`)).toBe(true);
  });

  it('test_304_keeps_the_kept_copy', async () => {
    const storage = new ListStorage();
    storage.setItem(classCourseKey(CLASS), JSON.stringify(kept('"v1"')));
    const { api } = answering(304);
    const answer = await refreshCourse(api, 'T', 'u1', info, storage);
    expect(answer.kind).toBe('ready');
    expect(answer.kind === 'ready' && answer.entry.bundle.course.title).toBe(
      'Old title'
    );
    expect(readCached(storage, CLASS)?.etag).toBe('"v1"');
  });

  it('test_404_says_the_course_is_not_uploaded_and_drops_the_copy', async () => {
    const storage = new ListStorage();
    storage.setItem(classCourseKey(CLASS), JSON.stringify(kept('"v1"')));
    const { api } = answering(404, { detail: 'Not found.' });
    const answer = await refreshCourse(api, 'T', 'u1', info, storage);
    expect(answer).toEqual({ kind: 'missing', message: NOT_UPLOADED });
    expect(NOT_UPLOADED).toBe('Your teacher has not uploaded the course yet.');
    expect(readCached(storage, CLASS)).toBeNull();
  });

  it('test_offline_keeps_the_copy_and_says_so_in_a_sentence', async () => {
    const storage = new ListStorage();
    storage.setItem(classCourseKey(CLASS), JSON.stringify(kept('"v1"')));
    const { api } = answering(0);
    const answer = await refreshCourse(api, 'T', 'u1', info, storage);
    expect(answer.kind).toBe('error');
    if (answer.kind === 'error') {
      expect(answer.entry?.etag).toBe('"v1"');
      expect(answer.message).toMatch(/cannot be reached/);
    }
    expect(readCached(storage, CLASS)?.etag).toBe('"v1"');
  });

  it('test_another_accounts_copy_is_not_used', async () => {
    const storage = new ListStorage();
    storage.setItem(
      classCourseKey(CLASS),
      JSON.stringify({ ...kept('"v1"'), owner: 'u2' })
    );
    const { api, sent } = answering(200, bundle, '"v2"');
    await refreshCourse(api, 'T', 'u1', info, storage);
    expect(sent[0]?.['If-None-Match']).toBeUndefined();
    expect(readCached(storage, CLASS)?.owner).toBe('u1');
  });

  it('test_a_full_browser_storage_still_shows_the_course', async () => {
    const storage = new ListStorage();
    storage.setItem = () => {
      throw new DOMException('full', 'QuotaExceededError');
    };
    const { api } = answering(200, bundle, '"v2"');
    const answer = await refreshCourse(api, 'T', 'u1', info, storage);
    expect(answer.kind).toBe('ready');
    expect(readCached(storage, CLASS)).toBeNull();
  });

  it('test_copies_of_other_accounts_are_pruned_and_all_when_logged_out', () => {
    const storage = new ListStorage();
    storage.setItem(classCourseKey(CLASS), JSON.stringify(kept('"v1"')));
    storage.setItem(
      classCourseKey(OTHER),
      JSON.stringify({
        ...kept('"v1"'),
        owner: 'u2',
        class: { id: OTHER, name: 'x', teacher: 'y' }
      })
    );
    storage.setItem('pylearn.v1.outbox', '[]');
    pruneCached(storage, 'u1');
    expect(readCached(storage, CLASS)).not.toBeNull();
    expect(storage.getItem(classCourseKey(OTHER))).toBeNull();
    pruneCached(storage, null);
    expect(storage.getItem(classCourseKey(CLASS))).toBeNull();
    expect(storage.getItem('pylearn.v1.outbox')).toBe('[]');
  });
});

describe('safeFolderName', () => {
  it('test_a_class_name_becomes_one_path_safe_folder', () => {
    expect(safeFolderName('Python 101 / Monday', CLASS)).toBe(
      'Python 101 - Monday'
    );
    expect(safeFolderName('a\\b:c*d?e"f<g>h|i', CLASS)).toBe(
      'a-b-c-d-e-f-g-h-i'
    );
    expect(safeFolderName('  tabs\tand\nlines  ', CLASS)).toBe(
      'tabs and lines'
    );
    expect(safeFolderName('Ünïcödé Klasse', CLASS)).toBe('Ünïcödé Klasse');
    // `%` and `#` would be read as URL escapes or fragments on the way to the files.
    expect(safeFolderName('100% Python #2', CLASS)).toBe('100- Python -2');
  });

  it('test_nothing_left_or_dots_only_falls_back_to_the_class_id', () => {
    for (const name of ['', '..', '.', '   ', '///', '. . .']) {
      expect(safeFolderName(name, CLASS)).toBe(`class-${CLASS}`);
    }
    expect(safeFolderName('..hidden', CLASS)).toBe('hidden');
  });

  it('test_a_long_name_is_cut_without_a_trailing_dot_or_space', () => {
    const name = safeFolderName(`${'x'.repeat(59)}. and more`, CLASS);
    expect(name).toBe('x'.repeat(59));
    expect(name.length).toBeLessThanOrEqual(60);
  });
});

/** An in-memory contents manager: path → model. */
class FakeContents {
  readonly files = new Map<string, { type: string; content: unknown }>();
  saved: string[] = [];
  async get(path: string) {
    const file = this.files.get(path);
    if (!file) {
      throw new Error(`No such file: ${path}`);
    }
    return { path, ...file } as never;
  }
  async save(path: string, options: { type?: string; content?: unknown } = {}) {
    const parent = path.split('/').slice(0, -1).join('/');
    if (parent && this.files.get(parent)?.type !== 'directory') {
      throw new Error(`No such directory: ${parent}`);
    }
    this.saved.push(path);
    this.files.set(path, {
      type: options.type ?? 'file',
      content: options.content ?? null
    });
    return { path } as never;
  }
}

describe('ensureClassNotebook: writing the chapter notebook', () => {
  const notebook = bundle.notebooks['week1/exercises.ipynb'];

  it('test_writes_the_notebook_with_the_class_marker_under_classes', async () => {
    const contents = new FakeContents();
    const result = await ensureClassNotebook(
      contents as unknown as ContentsLike,
      info,
      'week1/exercises.ipynb',
      notebook
    );
    expect(result).toEqual({
      path: 'classes/Python 101 - Monday/week1/exercises.ipynb',
      created: true
    });
    const written = contents.files.get(result.path)?.content as {
      metadata: { pylearn: Record<string, unknown> };
    };
    expect(written.metadata.pylearn).toEqual({
      format: 1,
      checks: 'QUJD',
      class: CLASS
    });
    // The bundle's own copy is untouched.
    expect(
      (notebook as { metadata: { pylearn: Record<string, unknown> } }).metadata
        .pylearn.class
    ).toBeUndefined();
    expect(contents.files.get('classes')?.type).toBe('directory');
    expect(contents.files.get('classes/Python 101 - Monday/week1')?.type).toBe(
      'directory'
    );
  });

  it('test_never_overwrites_the_learners_file', async () => {
    const contents = new FakeContents();
    const first = await ensureClassNotebook(
      contents as unknown as ContentsLike,
      info,
      'week1/exercises.ipynb',
      notebook
    );
    const mine = withClassMarker(
      { ...(notebook as object), cells: [{ source: 'my work' }] },
      CLASS
    );
    contents.files.set(first.path, { type: 'notebook', content: mine });
    contents.saved = [];
    const again = await ensureClassNotebook(
      contents as unknown as ContentsLike,
      info,
      'week1/exercises.ipynb',
      notebook
    );
    expect(again).toEqual({ path: first.path, created: false });
    expect(contents.saved).toEqual([]);
    expect(contents.files.get(first.path)?.content).toBe(mine);
  });

  it('test_a_file_of_another_class_there_is_kept_and_a_folder_with_the_id_used', async () => {
    const contents = new FakeContents();
    const otherClass = { ...info, id: OTHER };
    const theirs = await ensureClassNotebook(
      contents as unknown as ContentsLike,
      otherClass,
      'week1/exercises.ipynb',
      notebook
    );
    const before = contents.files.get(theirs.path)?.content;
    const ours = await ensureClassNotebook(
      contents as unknown as ContentsLike,
      info,
      'week1/exercises.ipynb',
      notebook
    );
    expect(ours.path).toBe(
      `classes/Python 101 - Monday-${CLASS}/week1/exercises.ipynb`
    );
    expect(ours.created).toBe(true);
    expect(contents.files.get(theirs.path)?.content).toBe(before);
    // Opening again finds it in the id folder without writing anything.
    contents.saved = [];
    const again = await ensureClassNotebook(
      contents as unknown as ContentsLike,
      info,
      'week1/exercises.ipynb',
      notebook
    );
    expect(again).toEqual({ path: ours.path, created: false });
    expect(contents.saved).toEqual([]);
  });

  it('test_a_refused_write_is_a_sentence', async () => {
    const contents = new FakeContents();
    contents.save = async () => {
      throw new Error('Permission denied\nTraceback (most recent call last):');
    };
    await expect(
      ensureClassNotebook(
        contents as unknown as ContentsLike,
        info,
        'week1/exercises.ipynb',
        notebook
      )
    ).rejects.toThrow(
      /^PyLearn could not write classes\/Python 101 - Monday\/week1\/exercises.ipynb in your files \(Permission denied\)\. /
    );
  });
});

describe('ClassCourses: the section in the sidebar', () => {
  function progress(entries: Record<string, Partial<IProgress>>) {
    return new Map(
      Object.entries(entries).map(([id, p]) => [
        id,
        {
          exercise_id: id,
          completed_at: null,
          attempts: 1,
          last_code: '',
          last_submitted_at: null,
          solution_viewed: false,
          ...p
        } as IProgress
      ])
    );
  }

  function section(
    overrides: Partial<{
      joined: IClassInfo[] | null;
      status: number;
      progress: Map<string, IProgress>;
      storage: ListStorage;
      owner: string | null;
    }> = {}
  ) {
    const storage = overrides.storage ?? new ListStorage();
    const state = {
      joined: 'joined' in overrides ? overrides.joined! : [info],
      progress: overrides.progress ?? new Map<string, IProgress>(),
      owner: 'owner' in overrides ? overrides.owner! : 'u1'
    };
    const opened: unknown[][] = [];
    const said: string[] = [];
    const { api } = answering(overrides.status ?? 200, bundle, '"v2"');
    const courses = new ClassCourses({
      storage,
      api: () => api,
      token: () => (state.owner ? 'T' : null),
      owner: () => state.owner,
      joined: () => state.joined,
      progress: () => state.progress,
      open: async (...args) => void opened.push(args),
      announce: (text: string) => void said.push(text),
      notify: () => undefined
    });
    document.body.replaceChildren(courses.node);
    return { courses, storage, state, opened, said };
  }

  async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await Promise.resolve();
    }
  }

  it('test_shows_the_title_chapters_in_order_and_done_marks_of_class_ids', async () => {
    const { courses } = section({
      progress: progress({
        [`class:${CLASS}/week1.sum`]: { completed_at: '2024-01-02T00:00:00Z' },
        [`class:${CLASS}/week1.double`]: { attempts: 2 },
        // Progress on the plain id is the built-in course's, not the class's.
        'week2.count': { completed_at: '2024-01-02T00:00:00Z' }
      })
    });
    courses.update([info]);
    await settle();
    const node = courses.node;
    expect(node.hidden).toBe(false);
    expect(node.querySelector('h3')?.textContent).toBe('Python 101');
    expect(node.textContent).toContain(
      'Course of the class Python 101 / Monday (teacher: grace).'
    );
    const chapters = [...node.querySelectorAll('h4')].map(h => h.textContent);
    expect(chapters.map(t => t?.replace(/^[▾▸]/, ''))).toEqual([
      'Week 1: numbers',
      'Week 2: loops'
    ]);
    const rows = [...node.querySelectorAll('li.pylearn-exercise')].map(li => [
      li.getAttribute('data-exercise-id'),
      li.querySelector('.pylearn-mark-text')?.textContent
    ]);
    expect(rows).toEqual([
      [`class:${CLASS}/week1.sum`, '✔ done'],
      [`class:${CLASS}/week1.double`, '… tried'],
      [`class:${CLASS}/week2.count`, '○ to do']
    ]);
    // No reset button: a class notebook is the learner's own file.
    expect(node.querySelector('.pylearn-exercise-reset')).toBeNull();
    // One tab stop for the whole course.
    const stops = [...node.querySelectorAll('button')].filter(
      b => b.tabIndex === 0
    );
    expect(stops).toHaveLength(1);
    expect(
      node.querySelector('[role="progressbar"]')?.getAttribute('aria-valuetext')
    ).toBe('1 of 3 done');
  });

  it('test_the_class_course_is_used_with_the_keyboard_like_the_built_in_one', async () => {
    const { courses } = section();
    courses.update([info]);
    await settle();
    const press = (key: string) =>
      document.activeElement?.dispatchEvent(
        new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true })
      );
    const stop = [...courses.node.querySelectorAll<HTMLElement>('button')].find(
      b => b.tabIndex === 0
    );
    stop?.focus();
    expect(document.activeElement?.textContent).toContain('Week 1: numbers');
    press('ArrowDown');
    expect(document.activeElement?.textContent).toContain('Add two numbers');
    press('ArrowRight'); // no reset button here: the focus stays
    expect(document.activeElement?.textContent).toContain('Add two numbers');
    press('End');
    expect(document.activeElement?.textContent).toContain('Count');
    press('ArrowLeft');
    expect(document.activeElement?.textContent).toContain('Week 2: loops');
    press('ArrowLeft');
    const toggle = document.activeElement as HTMLElement;
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(
      courses.node
        .querySelector(`[data-exercise-id="class:${CLASS}/week2.count"]`)
        ?.closest('[hidden]')
    ).not.toBeNull();
  });

  it('test_the_focus_stays_on_an_exercise_when_progress_changes', async () => {
    const { courses, state } = section();
    courses.update([info]);
    await settle();
    const sum = () =>
      courses.node.querySelector<HTMLElement>(
        `[data-exercise-id="class:${CLASS}/week1.sum"] button`
      );
    sum()?.focus();
    state.progress = progress({
      [`class:${CLASS}/week1.sum`]: { completed_at: '2024-01-02T00:00:00Z' }
    });
    courses.update();
    expect(sum()?.textContent).toContain('done');
    expect(document.activeElement).toBe(sum());
  });

  it('test_choosing_an_exercise_opens_its_chapter_notebook', async () => {
    const { courses, opened } = section();
    courses.update([info]);
    await settle();
    const button = courses.node.querySelector<HTMLButtonElement>(
      `[data-exercise-id="class:${CLASS}/week2.count"] button`
    );
    button?.click();
    await settle();
    expect(opened).toHaveLength(1);
    const [classInfo, key, notebook, exercise] = opened[0];
    expect((classInfo as IClassInfo).id).toBe(CLASS);
    expect(key).toBe('week2/exercises.ipynb');
    expect(notebook).toEqual(bundle.notebooks['week2/exercises.ipynb']);
    expect(exercise).toBe('week2.count');
  });

  it('test_a_new_version_replaces_the_kept_one_and_is_announced', async () => {
    const storage = new ListStorage();
    storage.setItem(classCourseKey(CLASS), JSON.stringify(kept('"v1"')));
    const { courses, said } = section({ storage });
    courses.update([info]);
    expect(courses.node.querySelector('h3')?.textContent).toBe('Old title');
    await settle();
    expect(courses.node.querySelector('h3')?.textContent).toBe('Python 101');
    expect(readCached(storage, CLASS)?.etag).toBe('"v2"');
    expect(said).toContain(
      'Your teacher updated the course of Python 101 / Monday.'
    );
  });

  it('test_a_course_not_uploaded_yet_says_so', async () => {
    const { courses } = section({ status: 404 });
    courses.update([info]);
    await settle();
    expect(courses.node.textContent).toContain(NOT_UPLOADED);
    expect(courses.node.querySelector('li')).toBeNull();
  });

  it('test_offline_the_kept_course_shows_without_the_class_list', async () => {
    const storage = new ListStorage();
    storage.setItem(classCourseKey(CLASS), JSON.stringify(kept('"v1"')));
    const { courses } = section({ joined: null, status: 0, storage });
    courses.update([]);
    await settle();
    expect(courses.node.querySelector('h3')?.textContent).toBe('Old title');
    expect(courses.node.querySelectorAll('li')).toHaveLength(3);
  });

  it('test_leaving_removes_the_kept_course_and_the_section', async () => {
    const { courses, storage, state } = section();
    const list = [info];
    courses.update(list);
    await settle();
    expect(readCached(storage, CLASS)).not.toBeNull();
    courses.leavingClass(CLASS);
    state.joined = [];
    courses.update([]);
    expect(readCached(storage, CLASS)).toBeNull();
    expect(courses.node.hidden).toBe(true);
  });

  it('test_a_class_on_the_built_in_course_adds_nothing', async () => {
    const { courses } = section({
      joined: [{ ...info, course: 'pylearn' }]
    });
    courses.update([]);
    await settle();
    expect(courses.node.hidden).toBe(true);
  });

  it('test_logging_out_hides_and_forgets_the_kept_courses', async () => {
    const { courses, storage, state } = section();
    courses.update([info]);
    await settle();
    state.owner = null;
    courses.update();
    expect(courses.node.hidden).toBe(true);
    expect(readCached(storage, CLASS)).toBeNull();
  });

  it('test_class_chapters_use_class_ids', () => {
    const chapters = classChapters(CLASS, bundle);
    expect(chapters.map(c => c.id)).toEqual([
      `class:${CLASS}/week1`,
      `class:${CLASS}/week2`
    ]);
    expect(chapters[0].exercises[0]).toEqual({
      id: `class:${CLASS}/week1.sum`,
      title: 'Add two numbers',
      version: '2',
      path: 'week1/exercises.ipynb'
    });
  });
});
