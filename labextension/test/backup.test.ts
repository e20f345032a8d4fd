/**
 * The backup name of "reset to original": docs/backup-names.json, the same cases the
 * Jupyter server's rule runs (tests/test_shared_rules.py), and JupyterLite's reset keeping
 * every backup, also two in one second.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backupPath, freeBackupPath } from '../src/backup';
import { LiteCourse } from '../src/course';
import type { ICatalog, ICatalogExercise } from '../src/types';

interface ICase {
  path: string;
  time: [number, number, number, number, number, number];
  counter: number;
  name: string;
}

const CASES: ICase[] = JSON.parse(
  readFileSync(new URL('../../docs/backup-names.json', import.meta.url), 'utf8')
).cases;

function localTime([
  year,
  month,
  day,
  hour,
  minute,
  second
]: ICase['time']): Date {
  return new Date(year, month - 1, day, hour, minute, second, 123);
}

describe('backupPath: docs/backup-names.json', () => {
  it.each(CASES)('$name', c => {
    expect(backupPath(c.path, localTime(c.time), c.counter)).toBe(c.name);
  });
});

describe('freeBackupPath', () => {
  const when = new Date(2024, 4, 1, 10, 30, 0);

  it('test_the_first_backup_of_a_second_has_no_counter', async () => {
    expect(
      await freeBackupPath('pylearn/a/b.ipynb', async () => false, when)
    ).toBe('pylearn/a/b.backup-20240501-103000.ipynb');
  });

  it('test_taken_names_are_skipped', async () => {
    const taken = new Set([
      'pylearn/a/b.backup-20240501-103000.ipynb',
      'pylearn/a/b.backup-20240501-103000-2.ipynb'
    ]);
    expect(
      await freeBackupPath('pylearn/a/b.ipynb', async p => taken.has(p), when)
    ).toBe('pylearn/a/b.backup-20240501-103000-3.ipynb');
  });
});

/** The few calls of Contents.IManager that LiteCourse makes, on a map of paths. */
class MemoryContents {
  readonly files = new Map<string, unknown>();

  async get(path: string): Promise<{ content: unknown }> {
    if (!this.files.has(path)) {
      throw new Error(`no such file: ${path}`);
    }
    return { content: structuredClone(this.files.get(path)) };
  }

  async save(
    path: string,
    model: { content: unknown }
  ): Promise<{ path: string }> {
    this.files.set(path, structuredClone(model.content));
    return { path };
  }
}

describe('LiteCourse.resetExercise', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const exercise: ICatalogExercise = {
    id: 'sample.greet',
    title: 'Greet',
    path: 'pylearn/sample/sample.greet.ipynb'
  };
  const catalog: ICatalog = { format: 1, chapters: [] };

  it('test_two_resets_in_one_second_keep_both_backups', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2024, 4, 1, 10, 30, 0, 100));
    const contents = new MemoryContents();
    contents.files.set(`pylearn/.originals/${exercise.path}`, {
      original: true
    });
    contents.files.set(exercise.path, { attempt: 1 });
    const course = new LiteCourse(catalog, contents as never, '');

    const first = await course.resetExercise(exercise);
    await contents.save(exercise.path, { content: { attempt: 2 } });
    vi.setSystemTime(new Date(2024, 4, 1, 10, 30, 0, 900));
    const second = await course.resetExercise(exercise);

    expect(first.backup).toBe(
      'pylearn/sample/sample.greet.backup-20240501-103000.ipynb'
    );
    expect(second.backup).toBe(
      'pylearn/sample/sample.greet.backup-20240501-103000-2.ipynb'
    );
    expect(contents.files.get(first.backup!)).toEqual({ attempt: 1 });
    expect(contents.files.get(second.backup!)).toEqual({ attempt: 2 });
    expect(contents.files.get(exercise.path)).toEqual({ original: true });
  });

  it('test_reset_of_an_exercise_never_opened_keeps_no_backup', async () => {
    const contents = new MemoryContents();
    contents.files.set(`pylearn/.originals/${exercise.path}`, {
      original: true
    });
    const course = new LiteCourse(catalog, contents as never, '');

    expect(await course.resetExercise(exercise)).toEqual({
      path: exercise.path,
      backup: null
    });
  });
});
