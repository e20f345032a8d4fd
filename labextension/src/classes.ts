/**
 * Classes (docs/api.md, *Classes*): the wire shapes, and the pure parts of the learner's
 * join step and of the teacher's Class panel: join codes, the grid of a class's progress
 * (states in words, sorting, who is stuck) and its CSV export, which has the columns of
 * `pylearn class progress`.
 */
import { ApiError } from './api';

/** docs/api.md `Class`. `join_code` is there for the teacher only. */
export interface IClassInfo {
  id: string;
  name: string;
  role: 'teacher' | 'learner';
  course: 'pylearn' | 'uploaded';
  teacher: { username: string };
  created_at: string;
  learners_count: number;
  join_code?: string;
}

/** docs/api.md `LearnerProgress`: everything a teacher sees of one learner's exercise. */
export interface ILearnerProgress {
  exercise_id: string;
  completed_at: string | null;
  attempts: number;
  last_code: string | null;
  last_submitted_at: string | null;
  solution_viewed: boolean;
}

export interface IClassLearner {
  user_id: string;
  username: string;
  joined_at: string;
  progress: ILearnerProgress[];
}

/** `GET /classes/{id}/progress`. */
export interface IClassProgress {
  class: IClassInfo;
  learners: IClassLearner[];
}

/** A course bundle as `GET /classes/{id}/course` serves it (docs/api.md, *Course bundles*). */
export interface ICourseBundle {
  format: number;
  course: {
    title: string;
    chapters: Array<{
      id: string;
      title: string;
      order: number;
      notebook: string;
      exercises: Array<{ id: string; title: string; version?: string }>;
    }>;
  };
  notebooks: Record<string, unknown>;
}

/** What the learner is shown before joining: exactly what the teacher will see. */
export const CONSENT_SENTENCES = [
  'Before you join: the teacher of the class will see which exercises you completed and when, your number of attempts, your latest code for each exercise, and whether you viewed a solution.',
  'The teacher will not see your email address or your other classes.',
  'You can leave the class at any time; from then on the teacher sees nothing of you.'
];

/** Crockford's base32 alphabet (no I, L, O, U), as join codes use it. */
const CODE_ALPHABET = /^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{10}$/;

/**
 * A typed join code in its canonical form (`7K4M2-XQ9RD`), or null when it cannot be one.
 * Any case, dashes and spaces are accepted, and I, L and O stand for 1 and 0, as the API
 * reads them.
 */
export function normalizeJoinCode(typed: string): string | null {
  const plain = typed
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (!CODE_ALPHABET.test(plain)) {
    return null;
  }
  return `${plain.slice(0, 5)}-${plain.slice(5)}`;
}

/** Why a typed code is refused before anything is sent, in one sentence. */
export function joinCodeProblem(typed: string): string | null {
  if (!typed.trim()) {
    return 'Type the join code your teacher gave you.';
  }
  if (normalizeJoinCode(typed) === null) {
    return 'A join code has 10 letters and digits, like 7K4M2-XQ9RD. Check the code and try again.';
  }
  return null;
}

/** The one sentence shown next to the join field when the API refuses a join. */
export function joinErrorSentence(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return 'Something went wrong. Please try again.';
  }
  switch (error.status) {
    case 404:
      return 'No class has that join code. Check the code with your teacher and try again.';
    case 409:
      return 'This is your own class: you teach it, so you cannot join it as a learner.';
    case 429:
      // The API's sentence says how long to wait (its Retry-After, in minutes).
      return (
        error.detail ??
        'Too many unknown codes were tried. Please wait 15 minutes, then try again.'
      );
    case 401:
      return 'Your session has ended. Log in again to join a class.';
    default:
      return error.message;
  }
}

// --- The grid -----------------------------------------------------------------------

export type CellKind = 'done' | 'tried' | 'todo';

export interface ICellState {
  kind: CellKind;
  solution: boolean;
  /** The state in words, as the cell shows it ("done", "tried", "not started"). */
  words: string;
  /** The visible mark (a symbol; the words say the same). */
  mark: string;
}

export function cellState(p: ILearnerProgress | undefined): ICellState {
  const done = Boolean(p?.completed_at);
  const tried = !done && p !== undefined && p.attempts > 0;
  const kind: CellKind = done ? 'done' : tried ? 'tried' : 'todo';
  return {
    kind,
    solution: Boolean(p?.solution_viewed),
    words: done ? 'done' : tried ? 'tried' : 'not started',
    mark: done ? '✔' : tried ? '…' : '○'
  };
}

/** The status column of the CSV, as `pylearn class progress` writes it. */
export function csvStatus(p: ILearnerProgress | undefined): string {
  if (!p) {
    return 'not started';
  }
  if (p.solution_viewed) {
    return 'solution viewed';
  }
  return p.completed_at ? 'done' : 'tried';
}

export interface IGridColumn {
  /** The exercise id as the course names it (without `class:<id>/`). */
  id: string;
  title: string;
}

export interface IGridRow {
  userId: string;
  username: string;
  joinedAt: string;
  /** One entry per column, in column order (undefined: not started). */
  cells: Array<ILearnerProgress | undefined>;
  done: number;
  attempts: number;
  /** The latest `last_submitted_at` of any exercise, or null. */
  lastActivity: string | null;
}

export interface IGrid {
  columns: IGridColumn[];
  rows: IGridRow[];
}

/** The prefix of the progress ids of a class's uploaded course (`class:<id>/`), or ''. */
export function classPrefix(info: Pick<IClassInfo, 'id' | 'course'>): string {
  return info.course === 'uploaded' ? `class:${info.id}/` : '';
}

/** The exercises of a bundle, in course order (chapters by their `order`). */
export function bundleColumns(bundle: ICourseBundle): IGridColumn[] {
  return [...bundle.course.chapters]
    .sort((a, b) => a.order - b.order)
    .flatMap(chapter =>
      chapter.exercises.map(ex => ({ id: ex.id, title: ex.title }))
    );
}

/**
 * The grid of a class: the course's exercises in course order, then any other exercise a
 * learner has progress on (sorted), as `pylearn class progress` orders them; learners in
 * the API's order (by username).
 */
export function buildGrid(
  answer: IClassProgress,
  courseColumns: IGridColumn[]
): IGrid {
  const prefix = classPrefix(answer.class);
  const strip = (id: string) =>
    prefix && id.startsWith(prefix) ? id.slice(prefix.length) : id;
  const columns = [...courseColumns];
  const known = new Set(columns.map(c => c.id));
  const extra = new Set<string>();
  for (const learner of answer.learners) {
    for (const entry of learner.progress) {
      const id = strip(entry.exercise_id);
      if (!known.has(id)) {
        extra.add(id);
      }
    }
  }
  for (const id of Array.from(extra).sort()) {
    columns.push({ id, title: id });
  }
  const index = new Map(columns.map((c, i) => [c.id, i]));
  const rows = answer.learners.map(learner => {
    const cells: Array<ILearnerProgress | undefined> = new Array(
      columns.length
    );
    let done = 0;
    let attempts = 0;
    let lastActivity: string | null = null;
    let lastTime = -Infinity;
    for (const entry of learner.progress) {
      const i = index.get(strip(entry.exercise_id));
      if (i === undefined) {
        continue;
      }
      cells[i] = entry;
      if (entry.completed_at) {
        done += 1;
      }
      attempts += entry.attempts;
      if (entry.last_submitted_at) {
        const time = Date.parse(entry.last_submitted_at);
        if (time > lastTime) {
          lastTime = time;
          lastActivity = entry.last_submitted_at;
        }
      }
    }
    return {
      userId: learner.user_id,
      username: learner.username,
      joinedAt: learner.joined_at,
      cells,
      done,
      attempts,
      lastActivity
    };
  });
  return { columns, rows };
}

export type SortOrder = 'name' | 'most-done' | 'least-done';

export const SORT_LABELS: Record<SortOrder, string> = {
  name: 'by name',
  'most-done': 'by progress, most done first',
  'least-done': 'by progress, least done first'
};

function byName(a: IGridRow, b: IGridRow): number {
  const x = a.username.toLowerCase();
  const y = b.username.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The rows in `order` (a new array; ties by name). */
export function sortRows(rows: IGridRow[], order: SortOrder): IGridRow[] {
  const sorted = [...rows];
  if (order === 'name') {
    return sorted.sort(byName);
  }
  const sign = order === 'most-done' ? -1 : 1;
  return sorted.sort(
    (a, b) =>
      sign * (a.done - b.done) ||
      sign * (a.attempts - b.attempts) ||
      byName(a, b)
  );
}

export interface IStuck {
  username: string;
  exerciseId: string;
  exerciseTitle: string;
  attempts: number;
  lastSubmittedAt: string | null;
}

/** Learners with at least `minAttempts` attempts and no pass on an exercise, latest first. */
export function stuckList(grid: IGrid, minAttempts = 3): IStuck[] {
  const stuck: Array<IStuck & { time: number }> = [];
  for (const row of grid.rows) {
    row.cells.forEach((p, i) => {
      if (p && !p.completed_at && p.attempts >= minAttempts) {
        stuck.push({
          username: row.username,
          exerciseId: grid.columns[i].id,
          exerciseTitle: grid.columns[i].title,
          attempts: p.attempts,
          lastSubmittedAt: p.last_submitted_at,
          time: p.last_submitted_at ? Date.parse(p.last_submitted_at) : 0
        });
      }
    });
  }
  stuck.sort(
    (a, b) =>
      b.time - a.time ||
      (a.username < b.username ? -1 : a.username > b.username ? 1 : 0)
  );
  return stuck.map(({ time: _time, ...s }) => s);
}

export const CSV_COLUMNS = [
  'username',
  'joined_at',
  'exercise_id',
  'status',
  'attempts',
  'completed_at',
  'last_submitted_at'
] as const;

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The class's progress as CSV, one row per learner and exercise, with the columns and
 * values of `pylearn class progress` (never an email address: the answer has none).
 */
export function progressCsv(grid: IGrid): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of grid.rows) {
    grid.columns.forEach((column, i) => {
      const p = row.cells[i];
      lines.push(
        [
          row.username,
          row.joinedAt,
          column.id,
          csvStatus(p),
          p ? p.attempts : 0,
          p?.completed_at ?? '',
          p?.last_submitted_at ?? ''
        ]
          .map(csvField)
          .join(',')
      );
    });
  }
  return lines.join('\n') + '\n';
}

let timeFormat: Intl.DateTimeFormat | null = null;

/** A time of the API as the panel shows it (local, to the minute). */
export function shortTime(iso: string | null): string {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  // One formatter for every cell: toLocaleString() with options makes one per call,
  // which costs seconds over a grid of 45,000 cells.
  timeFormat ??= new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit'
  });
  return timeFormat.format(date);
}

/** The attempts of a cell, in words ("3 attempts, last on …"). */
export function attemptsSentence(p: ILearnerProgress | undefined): string {
  if (!p) {
    return 'No attempts yet.';
  }
  const n = p.attempts === 1 ? '1 attempt' : `${p.attempts} attempts`;
  const last = p.last_submitted_at
    ? `, the last on ${shortTime(p.last_submitted_at)}`
    : '';
  return `${n}${last}.`;
}

// --- The grid's window of rows ----------------------------------------------------------
//
// The grid renders only the rows in and near its scroll box's viewport, between spacer
// rows as tall as the rows left out, and in each row only the columns in and near it,
// between gap cells as wide as the columns left out: the table keeps its full size (the
// scrollbars are true) and `aria-rowcount`, `aria-colcount` tell screen readers.

/** What the window computation needs of the laid-out grid, in CSS pixels. */
export interface IGridMetrics {
  /** The height of one learner's row (every row has the same). */
  rowHeight: number;
  /** From the top of the scrolled content to the first learner's row (caption, headers). */
  bodyTop: number;
  /** The height of the column headers, which stay at the top of the box (sticky). */
  stickyTop: number;
  /** The visible height of the scroll box. */
  viewport: number;
}

/** Rows `start` (included) to `end` (excluded) of the sorted learners (or columns). */
export interface IRowRange {
  start: number;
  end: number;
}

/** The rows at least partly visible (not under the sticky headers) at `scrollTop`. */
export function visibleRows(
  scrollTop: number,
  metrics: IGridMetrics,
  total: number
): IRowRange {
  if (total <= 0) {
    return { start: 0, end: 0 };
  }
  const height = Math.max(1, metrics.rowHeight);
  const top = scrollTop + metrics.stickyTop - metrics.bodyTop;
  const bottom = scrollTop + Math.max(0, metrics.viewport) - metrics.bodyTop;
  const first = Math.min(total - 1, Math.max(0, Math.floor(top / height)));
  const last = Math.min(
    total - 1,
    Math.max(first, Math.ceil(bottom / height) - 1)
  );
  return { start: first, end: last + 1 };
}

/** The rows to render at `scrollTop`: the visible ones and `overscan` more on each side. */
export function rowWindow(
  scrollTop: number,
  metrics: IGridMetrics,
  total: number,
  overscan: number
): IRowRange {
  const seen = visibleRows(scrollTop, metrics, total);
  return {
    start: Math.max(0, seen.start - overscan),
    end: Math.min(total, seen.end + overscan)
  };
}

/**
 * Whether the rows rendered must change: some visible row is not rendered, or fewer than
 * `margin` rendered rows are left beyond the visible ones on a side that has more rows.
 */
export function needsNewWindow(
  rendered: IRowRange,
  visible: IRowRange,
  total: number,
  margin: number
): boolean {
  if (visible.start < rendered.start || visible.end > rendered.end) {
    return true;
  }
  const above = rendered.start > 0 && visible.start - rendered.start < margin;
  const below = rendered.end < total && rendered.end - visible.end < margin;
  return above || below;
}

/** The `scrollTop` that shows all of row `row`, as close to `scrollTop` as possible. */
export function scrollTopToShow(
  row: number,
  scrollTop: number,
  metrics: IGridMetrics
): number {
  const top = metrics.bodyTop + row * metrics.rowHeight;
  const bottom = top + metrics.rowHeight;
  if (top - metrics.stickyTop < scrollTop) {
    // The first row: up to the top, the caption with it.
    return row === 0 ? 0 : Math.max(0, top - metrics.stickyTop);
  }
  if (bottom > scrollTop + metrics.viewport) {
    return Math.max(0, bottom - metrics.viewport);
  }
  return scrollTop;
}

/** How many rows PageUp and PageDown move: the rows a viewport shows, less one. */
export function rowsPerPage(metrics: IGridMetrics): number {
  const shown = Math.floor(
    (metrics.viewport - metrics.stickyTop) / Math.max(1, metrics.rowHeight)
  );
  return Math.max(1, shown - 1);
}

/** A run of rows of the grid's body: rendered, or left out (a spacer row stands for it). */
export interface IRowRun extends IRowRange {
  rendered: boolean;
}

/**
 * The body of a grid of `total` rows as runs: the rows of `range` and each row of
 * `extra` (the focused cell's row, which keeps the grid's tab stop) rendered, the rows
 * between them left out. The same for the columns of a row.
 */
export function rowRuns(
  range: IRowRange,
  extra: number[],
  total: number
): IRowRun[] {
  const wanted = new Set<number>();
  for (let r = Math.max(0, range.start); r < Math.min(total, range.end); r++) {
    wanted.add(r);
  }
  for (const r of extra) {
    if (r >= 0 && r < total) {
      wanted.add(r);
    }
  }
  const sorted = Array.from(wanted).sort((a, b) => a - b);
  const runs: IRowRun[] = [];
  let next = 0;
  for (const r of sorted) {
    if (r > next) {
      runs.push({ start: next, end: r, rendered: false });
    }
    const last = runs[runs.length - 1];
    if (last && last.rendered && last.end === r) {
      last.end = r + 1;
    } else {
      runs.push({ start: r, end: r + 1, rendered: true });
    }
    next = r + 1;
  }
  if (next < total) {
    runs.push({ start: next, end: total, rendered: false });
  }
  return runs;
}

/** What the column window needs of the laid-out grid, in CSS pixels. */
export interface IColumnMetrics {
  /** The width of one exercise's column (every one has the same). */
  columnWidth: number;
  /** The width of the learners' column, which stays at the left of the box (sticky). */
  headWidth: number;
  /** The visible width of the scroll box. */
  width: number;
}

/** The exercises' columns at least partly visible (not under the learners' column). */
export function visibleColumns(
  scrollLeft: number,
  metrics: IColumnMetrics,
  total: number
): IRowRange {
  if (total <= 0) {
    return { start: 0, end: 0 };
  }
  const width = Math.max(1, metrics.columnWidth);
  const first = Math.min(
    total - 1,
    Math.max(0, Math.floor(scrollLeft / width))
  );
  const last = Math.min(
    total - 1,
    Math.max(
      first,
      Math.ceil((scrollLeft + metrics.width - metrics.headWidth) / width) - 1
    )
  );
  return { start: first, end: last + 1 };
}

/** The columns to render at `scrollLeft`: the visible ones and `overscan` more each side. */
export function columnWindow(
  scrollLeft: number,
  metrics: IColumnMetrics,
  total: number,
  overscan: number
): IRowRange {
  const seen = visibleColumns(scrollLeft, metrics, total);
  return {
    start: Math.max(0, seen.start - overscan),
    end: Math.min(total, seen.end + overscan)
  };
}

/** The `scrollLeft` that shows all of column `column`, as close to `scrollLeft` as possible. */
export function scrollLeftToShow(
  column: number,
  scrollLeft: number,
  metrics: IColumnMetrics
): number {
  const left = column * metrics.columnWidth;
  const right = metrics.headWidth + (column + 1) * metrics.columnWidth;
  if (left < scrollLeft) {
    return Math.max(0, left);
  }
  if (right > scrollLeft + metrics.width) {
    return Math.max(0, right - metrics.width);
  }
  return scrollLeft;
}
