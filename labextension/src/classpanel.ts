/**
 * Classes in the browser: the learner's "Classes" area of the PyLearn sidebar (join with a
 * code after a consent step, leave) and the teacher's Class panel (create a class, its join
 * code, the progress grid, who is stuck, a learner's latest code, CSV export, bundle
 * upload). Plain DOM; every state is said in words, every control has a label, and what
 * changes is said through the page's one live region.
 *
 * The grid is one <table> with one tab stop (arrow keys move between cells) and its events
 * delegated to its box; only the rows and columns in and near its scroll box's viewport
 * are in the page (spacer rows and gap cells stand for the others, `aria-rowcount` and
 * `aria-colcount` say the full size): 300 learners × 150 exercises stay responsive.
 */
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { ApiClient, ApiError } from './api';
import {
  CONSENT_SENTENCES,
  IClassInfo,
  IClassProgress,
  IGrid,
  IColumnMetrics,
  IGridColumn,
  IGridMetrics,
  IGridRow,
  IRowRange,
  IRowRun,
  SORT_LABELS,
  SortOrder,
  attemptsSentence,
  bundleColumns,
  buildGrid,
  columnWindow,
  cellState,
  joinCodeProblem,
  joinErrorSentence,
  needsNewWindow,
  normalizeJoinCode,
  progressCsv,
  rowRuns,
  rowWindow,
  rowsPerPage,
  scrollLeftToShow,
  scrollTopToShow,
  shortTime,
  sortRows,
  stuckList,
  visibleColumns,
  visibleRows
} from './classes';
import type { IPyLearnAnnouncer } from './tokens';
import { Children, h } from './dom';

function present(children: Children): Array<Node | string> {
  return children.filter(
    (c): c is Node | string => c !== null && c !== undefined && c !== false
  );
}

function button(
  label: Children,
  onClick: () => void,
  className = 'jp-mod-styled pylearn-button'
): HTMLButtonElement {
  const b = h('button', { type: 'button', className }, label);
  b.addEventListener('click', onClick);
  return b;
}

function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return 'Your PyLearn session has ended. Log in again in the PyLearn sidebar.';
    }
    return error.message;
  }
  return 'Something went wrong. Please try again.';
}

/** What the classes UI needs from the rest of PyLearn. */
export interface IClassesContext {
  readonly announcer: IPyLearnAnnouncer;
  /** The API, or null when accounts are unavailable (no PyLearn server). */
  api(): ApiClient | null;
  /** The logged-in user's token, or null for a guest. */
  token(): string | null;
  /** The username logged in, or null. */
  username(): string | null;
  /** The exercises of the built-in course, in course order. */
  builtinColumns(): IGridColumn[];
  /** Emitted when the login or the course may have changed. */
  readonly changed: ISignal<unknown, void>;
  /** Opens the teacher's Class panel. */
  openPanel(): void;
}

/** Keeps the user's classes; the sidebar area and the panel both read it. */
export class ClassesModel {
  private list: IClassInfo[] = [];
  private forUser: string | null = null;
  private loadedFor: string | null = null;
  private readonly changedSignal = new Signal<ClassesModel, void>(this);
  error: string | null = null;

  constructor(readonly context: IClassesContext) {
    context.changed.connect(() => void this.userChanged());
  }

  get changed(): ISignal<ClassesModel, void> {
    return this.changedSignal;
  }

  get classes(): IClassInfo[] {
    return this.list;
  }

  get joined(): IClassInfo[] {
    return this.list.filter(c => c.role === 'learner');
  }

  get taught(): IClassInfo[] {
    return this.list.filter(c => c.role === 'teacher');
  }

  /** Whether the list is the API's answer for the user logged in now. */
  get known(): boolean {
    return this.forUser !== null && this.loadedFor === this.forUser;
  }

  /** Fetches the list again when someone else logged in (or out). */
  async userChanged(): Promise<void> {
    // Fetched once per user, as soon as both the user and the API are there.
    const user =
      this.context.token() && this.context.api()
        ? this.context.username()
        : null;
    if (user === this.forUser) {
      this.changedSignal.emit();
      return;
    }
    this.forUser = user;
    this.list = [];
    this.changedSignal.emit();
    if (user) {
      await this.refresh();
    }
  }

  /** `GET /classes`; never sent for a guest. */
  async refresh(): Promise<void> {
    const api = this.context.api();
    const token = this.context.token();
    if (!api || !token) {
      this.list = [];
      this.changedSignal.emit();
      return;
    }
    try {
      this.list = (await api.classes(token)).items;
      this.loadedFor = this.forUser;
      this.error = null;
    } catch (error) {
      this.error = errorText(error);
    }
    this.changedSignal.emit();
  }

  add(info: IClassInfo): void {
    this.list = [...this.list.filter(c => c.id !== info.id), info];
    this.changedSignal.emit();
  }

  remove(id: string): void {
    this.list = this.list.filter(c => c.id !== id);
    this.changedSignal.emit();
  }
}

// --- The learner's area in the sidebar ------------------------------------------------

/** The sidebar's "Classes" area: join (after consent), the classes joined, leave. */
export class ClassesArea {
  readonly node: HTMLElement;
  private step: 'none' | 'code' | 'consent' = 'none';
  private code = '';
  private problem = '';
  private joinedNote = '';
  private busy = false;
  private shownKey = '';

  constructor(
    private readonly model: ClassesModel,
    private readonly confirmLeave: (info: IClassInfo) => Promise<boolean>
  ) {
    this.node = h('section', {
      className: 'pylearn-classes',
      'aria-labelledby': 'pylearn-classes-heading'
    });
    model.changed.connect(() => this.render());
    this.render();
  }

  private get context(): IClassesContext {
    return this.model.context;
  }

  render(): void {
    // Drawn again only when something shown changed: the account's sync says "changed"
    // often, and a redraw would take the code being typed out of its field.
    const key = JSON.stringify([
      Boolean(this.context.api()),
      Boolean(this.context.token()),
      this.model.joined.map(c => [c.id, c.name, c.teacher.username]),
      this.model.taught.length,
      this.model.error,
      this.step,
      this.problem,
      this.joinedNote,
      this.busy
    ]);
    if (key === this.shownKey) {
      return;
    }
    this.shownKey = key;
    const focusedKey = (document.activeElement as HTMLElement | null)?.dataset
      ?.classesKey;
    const heading = h('h3', { id: 'pylearn-classes-heading' }, ['Classes']);
    if (!this.context.api()) {
      this.node.hidden = true;
      this.node.replaceChildren();
      return;
    }
    this.node.hidden = false;
    if (!this.context.token()) {
      this.step = 'none';
      this.joinedNote = '';
      this.node.replaceChildren(
        heading,
        h('p', { className: 'pylearn-note' }, ['Log in to join a class.'])
      );
      return;
    }
    const parts: Children = [heading];
    if (this.joinedNote) {
      parts.push(
        h('p', { className: 'pylearn-class-joined', role: 'note' }, [
          this.joinedNote
        ])
      );
    }
    const joined = this.model.joined;
    if (joined.length) {
      parts.push(
        h(
          'ul',
          {
            className: 'pylearn-class-list',
            'aria-label': 'Classes you joined'
          },
          joined.map(info => this.renderJoined(info))
        )
      );
    } else {
      parts.push(
        h('p', { className: 'pylearn-note' }, ['You have not joined a class.'])
      );
    }
    if (this.model.error) {
      parts.push(
        h('p', { className: 'pylearn-form-error' }, [this.model.error])
      );
    }
    if (this.step === 'code') {
      parts.push(this.codeForm());
    } else if (this.step === 'consent') {
      parts.push(this.consentStep());
    }
    const actions = h('div', { className: 'pylearn-actions' }, [
      this.step === 'none'
        ? this.keyed(
            button(['Join a class'], () => this.showStep('code')),
            'join'
          )
        : null,
      this.keyed(
        button(
          [this.model.taught.length ? 'Open the Class panel' : 'Teach a class'],
          () => this.context.openPanel()
        ),
        'teach'
      )
    ]);
    parts.push(actions);
    this.node.replaceChildren(...present(parts));
    if (focusedKey) {
      this.node
        .querySelector<HTMLElement>(
          `[data-classes-key="${CSS.escape(focusedKey)}"]`
        )
        ?.focus();
    }
  }

  private keyed<T extends HTMLElement>(node: T, key: string): T {
    node.dataset.classesKey = key;
    return node;
  }

  private renderJoined(info: IClassInfo): HTMLElement {
    const leave = this.keyed(
      button(['Leave class'], () => void this.leave(info)),
      `leave:${info.id}`
    );
    leave.setAttribute('aria-label', `Leave class ${info.name}`);
    return h('li', { className: 'pylearn-class', 'data-class-id': info.id }, [
      h('span', {}, [
        h('b', {}, [info.name]),
        ` (teacher: ${info.teacher.username})`
      ]),
      ' ',
      leave
    ]);
  }

  private showStep(step: 'none' | 'code' | 'consent'): void {
    this.step = step;
    if (step !== 'consent') {
      this.joinedNote = step === 'code' ? '' : this.joinedNote;
    }
    this.render();
    const target =
      step === 'code'
        ? this.node.querySelector<HTMLElement>('#pylearn-join-code')
        : step === 'consent'
          ? this.node.querySelector<HTMLElement>('.pylearn-consent h4')
          : this.node.querySelector<HTMLElement>('[data-classes-key="join"]');
    target?.focus();
  }

  private codeForm(): HTMLFormElement {
    const input = h('input', {
      id: 'pylearn-join-code',
      name: 'join_code',
      type: 'text',
      autocomplete: 'off',
      spellcheck: 'false',
      className: 'jp-mod-styled',
      'aria-invalid': this.problem ? 'true' : undefined,
      'aria-describedby': this.problem
        ? 'pylearn-join-code-error'
        : 'pylearn-join-code-hint'
    });
    input.value = this.code;
    const form = h(
      'form',
      {
        className: 'pylearn-form pylearn-join-form',
        'aria-label': 'Join a class'
      },
      [
        h('div', { className: 'pylearn-field' }, [
          h('label', { for: 'pylearn-join-code' }, ['Join code']),
          input,
          h('p', { id: 'pylearn-join-code-hint', className: 'pylearn-note' }, [
            'The code your teacher gave you, like 7K4M2-XQ9RD.'
          ]),
          h(
            'p',
            { id: 'pylearn-join-code-error', className: 'pylearn-field-error' },
            [this.problem]
          )
        ]),
        h('div', { className: 'pylearn-actions' }, [
          h(
            'button',
            { type: 'submit', className: 'jp-mod-styled jp-mod-accept' },
            ['Continue']
          ),
          button(['Cancel'], () => {
            this.problem = '';
            this.code = '';
            this.showStep('none');
          })
        ])
      ]
    );
    form.addEventListener('submit', event => {
      event.preventDefault();
      this.code = input.value;
      const problem = joinCodeProblem(this.code);
      if (problem) {
        this.fail(problem);
        return;
      }
      this.problem = '';
      this.showStep('consent');
    });
    return form;
  }

  /** Before anything is sent: what the teacher will see, then Join or Cancel. */
  private consentStep(): HTMLElement {
    const join = h(
      'button',
      { type: 'button', className: 'jp-mod-styled jp-mod-accept' },
      ['Join']
    );
    join.disabled = this.busy;
    join.addEventListener('click', () => void this.join());
    return h(
      'section',
      {
        className: 'pylearn-consent',
        'aria-labelledby': 'pylearn-consent-heading'
      },
      [
        h('h4', { id: 'pylearn-consent-heading', tabindex: '-1' }, [
          `Join the class with code ${normalizeJoinCode(this.code) ?? ''}?`
        ]),
        ...CONSENT_SENTENCES.map(text => h('p', {}, [text])),
        h('div', { className: 'pylearn-actions' }, [
          join,
          button(['Cancel'], () => {
            this.code = '';
            this.showStep('none');
          })
        ])
      ]
    );
  }

  private fail(problem: string): void {
    this.problem = problem;
    this.step = 'code';
    this.render();
    this.context.announcer.say(problem);
    this.node.querySelector<HTMLElement>('#pylearn-join-code')?.focus();
  }

  private async join(): Promise<void> {
    const api = this.context.api();
    const token = this.context.token();
    const code = normalizeJoinCode(this.code);
    if (!api || !token || !code || this.busy) {
      return;
    }
    this.busy = true;
    this.render();
    let info: IClassInfo;
    try {
      info = await api.joinClass(token, code);
    } catch (error) {
      this.busy = false;
      this.fail(joinErrorSentence(error));
      return;
    } finally {
      this.busy = false;
    }
    this.code = '';
    this.problem = '';
    this.step = 'none';
    this.joinedNote = `You joined ${info.name} (teacher: ${info.teacher.username}).`;
    this.model.add(info);
    this.context.announcer.say(this.joinedNote);
    this.node.querySelector<HTMLElement>('[data-classes-key="join"]')?.focus();
  }

  private async leave(info: IClassInfo): Promise<void> {
    if (!(await this.confirmLeave(info))) {
      return;
    }
    const api = this.context.api();
    const token = this.context.token();
    if (!api || !token) {
      return;
    }
    try {
      await api.leaveClass(token, info.id);
    } catch (error) {
      this.model.error = errorText(error);
      this.context.announcer.say(this.model.error);
      this.render();
      return;
    }
    this.joinedNote = `You left ${info.name}. Its teacher no longer sees your progress.`;
    this.model.remove(info.id);
    this.context.announcer.say(this.joinedNote);
    this.node.querySelector<HTMLElement>('[data-classes-key="join"]')?.focus();
  }
}

// --- The grid ---------------------------------------------------------------------------

export const GRID_MEASURE = 'pylearn-class-grid';

/** "Who is stuck": the latest ten shown, up to 200 more behind a disclosure. */
const SHOWN_STUCK = 10;
const MAX_STUCK = 210;

/**
 * The height of a learner's row until the grid is laid out and measured (the stylesheet
 * gives every row the same height).
 */
export const ROW_HEIGHT = 22;
/** Rows rendered beyond the visible ones, above and below. */
export const OVERSCAN = 15;
/** A new window is rendered when fewer rows than this are left beyond the visible ones. */
const WINDOW_MARGIN = 5;
/** Columns rendered beyond the visible ones, left and right. */
export const COLUMN_OVERSCAN = 4;
const COLUMN_MARGIN = 2;

/** Before the grid is laid out: a viewport of 600 px. */
export const DEFAULT_METRICS: IGridMetrics = {
  rowHeight: ROW_HEIGHT,
  bodyTop: 4 * ROW_HEIGHT,
  stickyTop: 2 * ROW_HEIGHT,
  viewport: 600
};

/** Before the grid is laid out: 1000 px wide, columns as the stylesheet makes them. */
export const DEFAULT_COLUMN_METRICS: IColumnMetrics = {
  columnWidth: 94,
  headWidth: 154,
  width: 1000
};

/** Which rows and columns of a grid are rendered, and the cell with the tab stop. */
export interface IGridView {
  /** Runs of the sorted rows (default: all rendered). */
  rows: IRowRun[];
  /** Runs of the columns (default: all rendered). */
  columns: IRowRun[];
  /** [row, column] of the cell that has the grid's one tab stop. */
  focus: [number, number];
  /** The height of a row, for the spacer rows. */
  rowHeight: number;
}

function fullView(grid: IGrid, rows: IGridRow[]): IGridView {
  return {
    rows: [{ start: 0, end: rows.length, rendered: true }],
    columns: [{ start: 0, end: grid.columns.length, rendered: true }],
    focus: [0, 0],
    rowHeight: ROW_HEIGHT
  };
}

/**
 * The table of a grid, built in one DocumentFragment: its caption, the column headers
 * and, in its body, the rows and columns of `view` that are rendered (all of them by
 * default), with a spacer row (or cell) standing for each run left out. `aria-rowcount`
 * and `aria-colcount` say the whole grid's size, and each row its `aria-rowindex`, each
 * cell its `aria-colindex`. Cells are focusable, with the state in words (the mark is
 * hidden from screen readers) and the attempts in their title; `data-row` and
 * `data-col` index `rows` and `grid.columns`.
 */
export function gridTable(
  grid: IGrid,
  rows: IGridRow[],
  caption: string,
  view: Partial<IGridView> = {}
): HTMLTableElement {
  const shown = { ...fullView(grid, rows), ...view };
  const table = document.createElement('table');
  table.className = 'pylearn-grid';
  table.setAttribute('aria-rowcount', String(rows.length + 1));
  table.setAttribute('aria-colcount', String(grid.columns.length + 1));
  // A fixed layout: the browser sizes the columns from the header row alone instead of
  // measuring every one of the cells.
  table.style.setProperty(
    '--pylearn-grid-columns',
    String(grid.columns.length)
  );
  const cap = document.createElement('caption');
  cap.textContent = caption;
  table.append(cap);
  const head = document.createElement('thead');
  head.append(gridHeadRow(grid, shown.columns));
  table.append(head);
  const body = document.createElement('tbody');
  body.append(...gridRowNodes(grid, rows, shown));
  table.append(body);
  return table;
}

/** The row of column headers, for the columns of `runs`. */
export function gridHeadRow(grid: IGrid, runs: IRowRun[]): HTMLTableRowElement {
  const headRow = document.createElement('tr');
  headRow.setAttribute('aria-rowindex', '1');
  const corner = document.createElement('th');
  corner.scope = 'col';
  corner.setAttribute('aria-colindex', '1');
  corner.textContent = 'Learner';
  headRow.append(corner);
  for (const run of runs) {
    if (!run.rendered) {
      headRow.append(spacerCell(run.end - run.start));
      continue;
    }
    for (let c = run.start; c < run.end; c++) {
      const column = grid.columns[c];
      const th = document.createElement('th');
      th.scope = 'col';
      th.setAttribute('aria-colindex', String(c + 2));
      th.title = column.id;
      th.textContent = column.title;
      headRow.append(th);
    }
  }
  return headRow;
}

/** The rows of the grid's body for `view`, in one fragment. */
export function gridRows(
  grid: IGrid,
  rows: IGridRow[],
  view: Partial<IGridView> = {}
): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(
    ...gridRowNodes(grid, rows, { ...fullView(grid, rows), ...view })
  );
  return fragment;
}

/**
 * The rows of the grid's body for `view`: a learner's row for each rendered row (taken
 * from `reuse` when it has it), a spacer row as tall as each run left out.
 */
export function gridRowNodes(
  grid: IGrid,
  rows: IGridRow[],
  view: IGridView,
  reuse?: Map<number, HTMLTableRowElement>
): HTMLTableRowElement[] {
  const nodes: HTMLTableRowElement[] = [];
  for (const run of view.rows) {
    if (!run.rendered) {
      nodes.push(
        spacerRow(run.end - run.start, view.rowHeight, grid.columns.length)
      );
      continue;
    }
    for (let r = run.start; r < run.end; r++) {
      nodes.push(
        reuse?.get(r) ?? gridRow(grid, rows[r], r, view.focus, view.columns)
      );
    }
  }
  return nodes;
}

/** Stands for `count` rows left out; hidden from screen readers (aria-rowcount counts them). */
function spacerRow(
  count: number,
  rowHeight: number,
  columns: number
): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.className = 'pylearn-grid-spacer';
  tr.setAttribute('aria-hidden', 'true');
  const td = document.createElement('td');
  td.colSpan = columns + 1;
  td.style.height = `${count * rowHeight}px`;
  tr.append(td);
  return tr;
}

/** Stands for `count` columns left out of a row; hidden from screen readers. */
function spacerCell(count: number): HTMLTableCellElement {
  const td = document.createElement('td');
  td.className = 'pylearn-grid-gap';
  td.colSpan = count;
  td.setAttribute('aria-hidden', 'true');
  return td;
}

/** The row of learner `row`, the `r`th of the sorted rows, with the columns of `runs`. */
export function gridRow(
  grid: IGrid,
  row: IGridRow,
  r: number,
  focus: [number, number] = [0, 0],
  runs: IRowRun[] = [{ start: 0, end: grid.columns.length, rendered: true }]
): HTMLTableRowElement {
  const total = grid.columns.length;
  const tr = document.createElement('tr');
  tr.setAttribute('aria-rowindex', String(r + 2));
  tr.setAttribute('data-row', String(r));
  const th = document.createElement('th');
  th.scope = 'row';
  th.setAttribute('aria-colindex', '1');
  th.append(row.username);
  const count = document.createElement('span');
  count.className = 'pylearn-grid-count';
  count.textContent = ` ${row.done} of ${total} done`;
  th.append(count);
  tr.append(th);
  for (const run of runs) {
    if (!run.rendered) {
      tr.append(spacerCell(run.end - run.start));
      continue;
    }
    for (let c = run.start; c < run.end; c++) {
      const p = row.cells[c];
      const state = cellState(p);
      // A focusable cell, not a button inside it: thousands of buttons take long to lay
      // out, cells of text a fraction of it. Enter, Space and a click open its code
      // (ClassPanel listens on the table); its text says the state in words.
      const cell = document.createElement('td');
      cell.className = `pylearn-cell pylearn-cell-${state.kind}`;
      cell.tabIndex = r === focus[0] && c === focus[1] ? 0 : -1;
      cell.setAttribute('aria-colindex', String(c + 2));
      cell.setAttribute('data-row', String(r));
      cell.setAttribute('data-col', String(c));
      // The mark (✔ … ○, ★ for a solution viewed) is drawn by the stylesheet from the
      // class, with no text for screen readers: one node per cell, the words.
      if (state.solution) {
        cell.classList.add('pylearn-cell-solution');
      }
      cell.textContent = state.solution
        ? `${state.words}, solution viewed`
        : state.words;
      // The attempts: the cell's title, set when it is first pointed at or focused (see
      // ClassPanel.describeCell): shown on hover, the cell's description for screen
      // readers, and written under the table for the focused cell.
      tr.append(cell);
    }
  }
  return tr;
}

/**
 * Makes `body`'s children `nodes`, in order, without moving the rows it keeps (a moved
 * row would lose the focus of its cell): the others are removed, the new ones inserted.
 */
export function patchChildren(body: HTMLElement, nodes: HTMLElement[]): void {
  const keep = new Set<Element>(nodes);
  for (const child of Array.from(body.children)) {
    if (!keep.has(child)) {
      child.remove();
    }
  }
  let current = body.firstElementChild;
  for (const node of nodes) {
    if (node === current) {
      current = current.nextElementSibling;
    } else {
      body.insertBefore(node, current);
    }
  }
}

// --- The teacher's Class panel ------------------------------------------------------------

/** The content of the Class panel (a MainAreaWidget holds it). */
export class ClassPanel extends Widget {
  private current: IClassInfo | null = null;
  private answer: IClassProgress | null = null;
  private columns: IGridColumn[] = [];
  private grid: IGrid | null = null;
  private rows: IGridRow[] = [];
  private order: SortOrder = 'name';
  private note = '';
  private uploadNote = '';
  private loading = false;
  private headerKey = '';
  private readonly header: HTMLElement;
  private readonly main: HTMLElement;
  private readonly gridBox: HTMLElement;
  private readonly codePane: HTMLElement;
  private table: HTMLTableElement | null = null;
  /** The grid's scroll box (its column headers stay at its top). */
  private scroller: HTMLElement | null = null;
  private metrics: IGridMetrics = { ...DEFAULT_METRICS };
  private columnMetrics: IColumnMetrics = { ...DEFAULT_COLUMN_METRICS };
  /** The rows rendered around the viewport (the focused cell's row is always rendered). */
  private rendered: IRowRange = { start: 0, end: 0 };
  /** The columns rendered around the viewport (and the focused cell's column). */
  private shownColumns: IRowRange = { start: 0, end: 0 };
  /** The runs of columns the rendered rows were built with. */
  private columnsKey = '';
  private readonly resizer: ResizeObserver | null;
  /** The cell that has the grid's one tab stop: [row in `rows`, column]. */
  private focusCell: [number, number] = [0, 0];
  private codeCell: HTMLElement | null = null;
  /** The learner and exercise whose code is shown. */
  private codeOf: [string, number] | null = null;
  /** The uploads from this panel to the class shown: how many, the last version. */
  private uploads: { classId: string; count: number; version: string } | null =
    null;
  /** The class whose grid is shown. */
  private shownClass: string | null = null;

  constructor(private readonly model: ClassesModel) {
    super();
    this.id = 'pylearn-class-panel';
    this.addClass('pylearn-class-panel');
    this.title.label = 'Class';
    this.title.caption = 'PyLearn: the progress of the classes you teach';
    this.header = h('div', { className: 'pylearn-class-header' });
    this.gridBox = h('div', {
      className: 'pylearn-grid-box',
      role: 'region',
      'aria-label': 'Progress grid',
      tabindex: '-1'
    });
    this.codePane = h('section', {
      className: 'pylearn-code-pane',
      'aria-labelledby': 'pylearn-code-heading',
      hidden: true
    });
    this.main = h('div', { className: 'pylearn-class-main' }, [
      this.gridBox,
      this.codePane
    ]);
    this.node.append(
      h('h2', { className: 'pylearn-title' }, ['Class']),
      this.header,
      this.main
    );
    this.gridBox.addEventListener('click', event => this.onGridClick(event));
    this.gridBox.addEventListener('keydown', event => this.onGridKey(event));
    this.gridBox.addEventListener('focusin', event => this.onGridFocus(event));
    this.gridBox.addEventListener('mouseover', event =>
      this.describeCell(event.target)
    );
    this.codePane.addEventListener('keydown', event => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        this.closeCode(true);
      }
    });
    this.resizer =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() => this.resized());
    model.changed.connect(() => this.modelChanged());
    this.modelChanged();
  }

  dispose(): void {
    this.resizer?.disconnect();
    super.dispose();
  }

  private get context(): IClassesContext {
    return this.model.context;
  }

  private say(text: string): void {
    this.context.announcer.say(text);
  }

  private modelChanged(): void {
    const taught = this.model.taught;
    if (!this.context.token()) {
      this.current = null;
      this.answer = null;
    } else if (!this.current || !taught.some(c => c.id === this.current?.id)) {
      this.current = taught[taught.length - 1] ?? null;
      this.answer = null;
      if (this.current) {
        void this.load();
      }
    } else {
      this.current = taught.find(c => c.id === this.current?.id) ?? null;
    }
    this.renderHeader();
    if (!this.answer) {
      this.renderGrid();
    }
  }

  private renderHeader(): void {
    // Drawn again only when something shown changed (a name being typed stays).
    const info = this.current;
    const key = JSON.stringify([
      Boolean(this.context.api()),
      Boolean(this.context.token()),
      this.model.taught.map(c => [c.id, c.name]),
      info ? [info.id, info.join_code, info.learners_count, info.course] : null,
      this.note,
      this.uploadNote,
      this.order
    ]);
    if (key === this.headerKey) {
      return;
    }
    this.headerKey = key;
    const focusedKey = (document.activeElement as HTMLElement | null)?.dataset
      ?.panelKey;
    if (!this.context.api()) {
      this.header.replaceChildren(
        h('p', {}, ['Classes need a PyLearn server; none is configured here.'])
      );
      return;
    }
    if (!this.context.token()) {
      this.header.replaceChildren(
        h('p', {}, ['Log in in the PyLearn sidebar to teach a class.'])
      );
      return;
    }
    const parts: Children = [];
    const taught = this.model.taught;
    if (taught.length > 1) {
      const select = h('select', {
        id: 'pylearn-class-chooser',
        className: 'jp-mod-styled',
        'data-panel-key': 'chooser'
      });
      for (const info of taught) {
        const option = h('option', { value: info.id }, [info.name]);
        option.selected = info.id === this.current?.id;
        select.append(option);
      }
      select.addEventListener('change', () => {
        this.current = taught.find(c => c.id === select.value) ?? null;
        this.answer = null;
        this.uploadNote = '';
        this.renderHeader();
        this.renderGrid();
        void this.load();
      });
      parts.push(
        h('div', { className: 'pylearn-field pylearn-inline' }, [
          h('label', { for: 'pylearn-class-chooser' }, ['Class']),
          select
        ])
      );
    }
    if (this.current) {
      parts.push(this.classInfo(this.current));
    }
    parts.push(this.createForm(taught.length === 0));
    if (this.note) {
      parts.push(h('p', { className: 'pylearn-class-note' }, [this.note]));
    }
    this.header.replaceChildren(...present(parts));
    if (focusedKey) {
      this.header
        .querySelector<HTMLElement>(
          `[data-panel-key="${CSS.escape(focusedKey)}"]`
        )
        ?.focus();
    }
  }

  private classInfo(info: IClassInfo): HTMLElement {
    const code = info.join_code ?? '';
    const codeText = h(
      'code',
      { className: 'pylearn-join-code', id: 'pylearn-join-code-value' },
      [code]
    );
    const copy = button(['Copy'], () => void this.copyCode(code, codeText));
    copy.setAttribute('aria-label', `Copy the join code ${code}`);
    copy.dataset.panelKey = 'copy';
    const course =
      info.course === 'uploaded'
        ? 'a course you upload'
        : 'the built-in PyLearn course';
    const learners =
      info.learners_count === 1
        ? '1 learner'
        : `${info.learners_count} learners`;
    const controls = h('div', { className: 'pylearn-actions' }, [
      this.keyed(
        button(['Refresh'], () => void this.load(true)),
        'refresh'
      ),
      this.keyed(
        button(['Export CSV'], () => this.exportCsv()),
        'export'
      ),
      this.sortControl()
    ]);
    return h('div', { className: 'pylearn-class-info' }, [
      h('h3', {}, [info.name]),
      h('p', {}, [
        'Join code: ',
        codeText,
        ' ',
        copy,
        h('span', { className: 'pylearn-note' }, [
          ` Give it to your learners; they join in the PyLearn sidebar. ${learners}; ${course}.`
        ])
      ]),
      info.course === 'uploaded' ? this.uploadControl() : null,
      controls
    ]);
  }

  private keyed<T extends HTMLElement>(node: T, key: string): T {
    node.dataset.panelKey = key;
    return node;
  }

  private sortControl(): HTMLElement {
    const select = h('select', {
      id: 'pylearn-class-sort',
      className: 'jp-mod-styled',
      'data-panel-key': 'sort'
    });
    for (const [value, label] of Object.entries(SORT_LABELS)) {
      const option = h('option', { value }, [label]);
      option.selected = value === this.order;
      select.append(option);
    }
    select.addEventListener('change', () =>
      this.sortBy(select.value as SortOrder)
    );
    return h('div', { className: 'pylearn-field pylearn-inline' }, [
      h('label', { for: 'pylearn-class-sort' }, ['Sort learners']),
      select
    ]);
  }

  private uploadControl(): HTMLElement {
    const input = h('input', {
      id: 'pylearn-bundle-file',
      type: 'file',
      accept: '.json,application/json',
      className: 'jp-mod-styled',
      'data-panel-key': 'upload',
      'aria-describedby': 'pylearn-bundle-note'
    });
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      // Emptied at once: browsers fire no `change` when the file already chosen is chosen
      // again, and a teacher who edited the bundle and chooses it again must get an upload.
      input.value = '';
      if (file) {
        void this.upload(file);
      }
    });
    return h('div', { className: 'pylearn-field pylearn-inline' }, [
      h('label', { for: 'pylearn-bundle-file' }, [
        'Upload a course bundle (.json, made by pylearn release --bundle)'
      ]),
      input,
      h('p', { id: 'pylearn-bundle-note', className: 'pylearn-note' }, [
        this.uploadNote || 'Uploading replaces the course your learners see.'
      ])
    ]);
  }

  private createForm(open: boolean): HTMLElement {
    const name = h('input', {
      id: 'pylearn-class-name',
      name: 'name',
      type: 'text',
      maxlength: 80,
      required: true,
      className: 'jp-mod-styled'
    });
    const course = h(
      'select',
      {
        id: 'pylearn-class-course',
        name: 'course',
        className: 'jp-mod-styled'
      },
      [
        h('option', { value: 'pylearn' }, ['The built-in PyLearn course']),
        h('option', { value: 'uploaded' }, [
          'A course I upload (a bundle file)'
        ])
      ]
    );
    const error = h('p', {
      id: 'pylearn-class-name-error',
      className: 'pylearn-field-error'
    });
    const form = h(
      'form',
      {
        className: 'pylearn-form pylearn-create-class',
        'aria-label': 'Create a class'
      },
      [
        h('div', { className: 'pylearn-field' }, [
          h('label', { for: 'pylearn-class-name' }, ['Name of the new class']),
          name,
          error
        ]),
        h('div', { className: 'pylearn-field' }, [
          h('label', { for: 'pylearn-class-course' }, ['Course']),
          course
        ]),
        h(
          'button',
          { type: 'submit', className: 'jp-mod-styled jp-mod-accept' },
          ['Create class']
        )
      ]
    );
    form.addEventListener('submit', event => {
      event.preventDefault();
      void this.create(
        name.value.trim(),
        course.value as 'pylearn' | 'uploaded',
        name,
        error
      );
    });
    return h(
      'details',
      { className: 'pylearn-create', open: open || undefined },
      [h('summary', {}, ['Create a class']), form]
    );
  }

  private async create(
    name: string,
    course: 'pylearn' | 'uploaded',
    input: HTMLInputElement,
    error: HTMLElement
  ): Promise<void> {
    const api = this.context.api();
    const token = this.context.token();
    if (!api || !token) {
      return;
    }
    const problem = !name
      ? 'Give the class a name.'
      : name.length > 80
        ? 'A class name has at most 80 characters.'
        : '';
    if (problem) {
      error.textContent = problem;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', error.id);
      this.say(problem);
      input.focus();
      return;
    }
    let info: IClassInfo;
    try {
      info = await api.createClass(token, name, course);
    } catch (e) {
      error.textContent = errorText(e);
      this.say(errorText(e));
      input.focus();
      return;
    }
    this.current = info;
    this.answer = null;
    this.note = `Class ${info.name} created. Its join code is ${info.join_code ?? ''}.`;
    this.say(this.note);
    this.model.add(info);
    await this.load();
    this.header.querySelector<HTMLElement>('[data-panel-key="copy"]')?.focus();
  }

  private async copyCode(code: string, shown: HTMLElement): Promise<void> {
    try {
      await navigator.clipboard.writeText(code);
      this.say(`Join code ${code} copied.`);
      return;
    } catch {
      // No clipboard here (insecure page, refused): select the code for Ctrl+C.
    }
    const range = document.createRange();
    range.selectNodeContents(shown);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    this.say(`The join code ${code} is selected: press Control+C to copy it.`);
  }

  /** Loads the class's progress (and the course's exercises), then draws the grid. */
  async load(announce = false): Promise<void> {
    const info = this.current;
    const api = this.context.api();
    const token = this.context.token();
    if (!info || !api || !token || this.loading) {
      return;
    }
    this.loading = true;
    this.gridBox.setAttribute('aria-busy', 'true');
    try {
      // Both requests at once: the progress does not wait for the course's exercises.
      const progress = api.classProgress(token, info.id);
      progress.catch(() => undefined); // awaited below (or the course failed first)
      let columns: IGridColumn[];
      if (info.course === 'uploaded') {
        try {
          columns = bundleColumns(await api.classCourse(token, info.id));
        } catch (error) {
          if (!(error instanceof ApiError) || error.status !== 404) {
            throw error;
          }
          columns = []; // no bundle uploaded yet
        }
      } else {
        columns = this.context.builtinColumns();
      }
      const answer = await progress;
      if (this.current?.id !== info.id) {
        return;
      }
      this.columns = columns;
      this.answer = answer;
      this.current = { ...info, ...answer.class, join_code: info.join_code };
      this.note = '';
      this.renderHeader();
      this.renderGrid();
      if (announce) {
        const n = answer.learners.length;
        this.say(
          `Progress refreshed: ${n === 1 ? '1 learner' : `${n} learners`}.`
        );
      }
    } catch (error) {
      this.note = errorText(error);
      this.say(this.note);
      this.renderHeader();
    } finally {
      this.loading = false;
      this.gridBox.removeAttribute('aria-busy');
    }
  }

  private renderGrid(): void {
    // What to keep: the focused learner and exercise, whether the focus is in the grid,
    // and the place scrolled to (a refresh of the same class keeps them).
    const kept =
      this.grid && this.rows[this.focusCell[0]]
        ? {
            user: this.rows[this.focusCell[0]].userId,
            column: this.grid.columns[this.focusCell[1]]?.id
          }
        : null;
    const focusIn = Boolean(this.table?.contains(document.activeElement));
    const sameClass =
      this.current !== null && this.shownClass === this.current.id;
    const scrollTop = sameClass ? (this.scroller?.scrollTop ?? 0) : 0;
    const scrollLeft = sameClass ? (this.scroller?.scrollLeft ?? 0) : 0;
    this.closeCode(false);
    this.resizer?.disconnect();
    this.scroller = null;
    if (!this.current) {
      this.grid = null;
      this.table = null;
      this.shownClass = null;
      this.gridBox.replaceChildren(
        this.context.token()
          ? h('p', {}, [
              'You teach no class yet. Create one: its join code lets learners join.'
            ])
          : ''
      );
      return;
    }
    if (!this.answer) {
      this.gridBox.replaceChildren(h('p', {}, ['Loading the progress…']));
      return;
    }
    performance.mark(`${GRID_MEASURE}-start`);
    this.grid = buildGrid(this.answer, this.columns);
    this.rows = sortRows(this.grid.rows, this.order);
    this.shownClass = this.current.id;
    const row =
      kept && sameClass ? this.rows.findIndex(r => r.userId === kept.user) : -1;
    const column =
      kept && sameClass
        ? this.grid.columns.findIndex(c => c.id === kept.column)
        : -1;
    this.focusCell = [Math.max(0, row), Math.max(0, column)];
    const stuck = this.renderStuck(this.grid);
    if (this.grid.rows.length === 0) {
      this.table = null;
      this.gridBox.replaceChildren(
        stuck,
        h('p', {}, [
          'No learner has joined yet. Give them the join code; press Refresh once they have joined.'
        ])
      );
    } else if (this.grid.columns.length === 0) {
      this.table = null;
      this.gridBox.replaceChildren(
        stuck,
        h('p', {}, [
          'The course of this class has no exercises yet. Upload a course bundle.'
        ])
      );
    } else {
      // Only the rows and columns in and near the viewport: the metrics are those of the
      // last grid laid out (or defaults), measured again below.
      const n = this.rows.length;
      const range = rowWindow(scrollTop, this.metrics, n, OVERSCAN);
      this.shownColumns = columnWindow(
        scrollLeft,
        this.columnMetrics,
        this.grid.columns.length,
        COLUMN_OVERSCAN
      );
      const columns = this.columnRuns();
      this.table = gridTable(this.grid, this.rows, this.caption(), {
        rows: rowRuns(range, [this.focusCell[0]], n),
        columns,
        focus: this.focusCell,
        rowHeight: this.metrics.rowHeight
      });
      this.rendered = range;
      this.columnsKey = JSON.stringify(columns);
      this.table.setAttribute('aria-describedby', 'pylearn-grid-keys');
      const scroller = h('div', { className: 'pylearn-grid-scroll' }, [
        this.table
      ]);
      // Scroll events come once per frame: the rows are rendered before it is drawn.
      scroller.addEventListener('scroll', () => this.updateWindow(false), {
        passive: true
      });
      this.scroller = scroller;
      this.gridBox.replaceChildren(
        stuck,
        h('p', { className: 'pylearn-note', id: 'pylearn-grid-keys' }, [
          'Keys: arrow keys move between cells; Home and End go to the start and end of a row, Control+Home and Control+End to the first and last learner; Page Up and Page Down move a screen of learners; Enter shows the learner’s latest code.'
        ]),
        h('p', { className: 'pylearn-cell-detail', 'aria-hidden': 'true' }, [
          'Point at or focus a cell to see its attempts.'
        ]),
        scroller
      );
      scroller.scrollTop = scrollTop;
      scroller.scrollLeft = scrollLeft;
      this.resizer?.observe(scroller);
      if (this.measure()) {
        this.updateWindow(true);
      }
      if (focusIn) {
        this.cellAt(...this.focusCell)?.focus({ preventScroll: true });
      }
    }
    performance.mark(`${GRID_MEASURE}-end`);
    performance.measure(
      GRID_MEASURE,
      `${GRID_MEASURE}-start`,
      `${GRID_MEASURE}-end`
    );
  }

  private caption(): string {
    const n = this.rows.length;
    return `Progress of ${this.current?.name ?? 'the class'}: ${
      n === 1 ? '1 learner' : `${n} learners`
    } × ${this.grid?.columns.length ?? 0} exercises, sorted ${SORT_LABELS[this.order]}.`;
  }

  private renderStuck(grid: IGrid): HTMLElement {
    const stuck = stuckList(grid);
    const section = h(
      'section',
      {
        className: 'pylearn-stuck',
        'aria-labelledby': 'pylearn-stuck-heading'
      },
      [h('h3', { id: 'pylearn-stuck-heading' }, ['Who is stuck'])]
    );
    if (stuck.length === 0) {
      section.append(
        h('p', { className: 'pylearn-note' }, [
          'Nobody: no learner has 3 or more attempts without a pass on an exercise.'
        ])
      );
      return section;
    }
    const item = (s: (typeof stuck)[number]) =>
      h('li', {}, [
        h('b', {}, [s.username]),
        ` on ${s.exerciseTitle}: ${s.attempts} attempts, no pass yet`,
        s.lastSubmittedAt
          ? `; last activity ${shortTime(s.lastSubmittedAt)}.`
          : '.'
      ]);
    // The latest ten, then the others behind a disclosure (the CSV has all of them).
    section.append(h('ul', {}, stuck.slice(0, SHOWN_STUCK).map(item)));
    if (stuck.length > SHOWN_STUCK) {
      const more = stuck.slice(SHOWN_STUCK, MAX_STUCK);
      section.append(
        h('details', { className: 'pylearn-stuck-more' }, [
          h('summary', {}, [
            `${stuck.length - SHOWN_STUCK} more learner–exercise pairs`
          ]),
          h('ul', {}, more.map(item)),
          stuck.length > MAX_STUCK
            ? h('p', { className: 'pylearn-note' }, [
                `And ${stuck.length - MAX_STUCK} more: the CSV export has all of them.`
              ])
            : null
        ])
      );
    }
    return section;
  }

  /**
   * Reads the laid-out grid's metrics (row height, where the rows start, the sticky
   * headers' height, the viewport); false when it is not laid out (a hidden panel) or
   * nothing changed.
   */
  private measure(): boolean {
    const { scroller, table } = this;
    if (!scroller || !table || !scroller.isConnected) {
      return false;
    }
    const viewport = scroller.clientHeight;
    const head = table.querySelector('thead');
    const rows = table.querySelector('tbody');
    const row = rows?.querySelector('tr[data-row]');
    if (!viewport || !head || !rows || !row) {
      return false;
    }
    const box = scroller.getBoundingClientRect();
    const body = rows.getBoundingClientRect();
    const next: IGridMetrics = {
      rowHeight: row.getBoundingClientRect().height || this.metrics.rowHeight,
      bodyTop: body.top - box.top - scroller.clientTop + scroller.scrollTop,
      stickyTop: head.getBoundingClientRect().height,
      viewport
    };
    const changed = (Object.keys(next) as Array<keyof IGridMetrics>).some(
      key => Math.abs(next[key] - this.metrics[key]) > 0.5
    );
    this.metrics = next;
    // What the browser scrolls into view (a focused cell) stays clear of the sticky
    // column headers and learner names.
    scroller.style.scrollPaddingTop = `${next.stickyTop}px`;
    const corner = head.querySelector('th');
    const column = head.querySelector('th[aria-colindex="2"], th + th');
    const columns: IColumnMetrics = {
      columnWidth:
        column?.getBoundingClientRect().width || this.columnMetrics.columnWidth,
      headWidth:
        corner?.getBoundingClientRect().width || this.columnMetrics.headWidth,
      width: scroller.clientWidth || this.columnMetrics.width
    };
    const wider = (Object.keys(columns) as Array<keyof IColumnMetrics>).some(
      key => Math.abs(columns[key] - this.columnMetrics[key]) > 0.5
    );
    this.columnMetrics = columns;
    scroller.style.scrollPaddingLeft = `${columns.headWidth}px`;
    return changed || wider;
  }

  /** The grid's box changed size (or was shown): measured again, rows rendered again. */
  private resized(): void {
    this.updateWindow(this.measure());
  }

  /**
   * Renders the rows around the viewport when the rows rendered no longer cover it with
   * a margin (or always, with `force`).
   */
  private updateWindow(force: boolean): void {
    const { grid, table, scroller } = this;
    if (!grid || !table || !scroller) {
      return;
    }
    const n = this.rows.length;
    const top = scroller.scrollTop;
    const left = scroller.scrollLeft;
    const total = grid.columns.length;
    const sideways =
      force ||
      needsNewWindow(
        this.shownColumns,
        visibleColumns(left, this.columnMetrics, total),
        total,
        COLUMN_MARGIN
      );
    if (
      !sideways &&
      !needsNewWindow(
        this.rendered,
        visibleRows(top, this.metrics, n),
        n,
        WINDOW_MARGIN
      )
    ) {
      return;
    }
    if (sideways) {
      this.shownColumns = columnWindow(
        left,
        this.columnMetrics,
        total,
        COLUMN_OVERSCAN
      );
    }
    this.renderRows(rowWindow(top, this.metrics, n, OVERSCAN), true);
  }

  /** The runs of columns to render: those around the viewport and the focused one. */
  private columnRuns(): IRowRun[] {
    return rowRuns(
      this.shownColumns,
      [this.focusCell[1]],
      this.grid?.columns.length ?? 0
    );
  }

  /**
   * Makes the body hold the rows of `range` and the focused cell's row; with `reuse`, the
   * rows already there stay (and keep the focus).
   */
  private renderRows(range: IRowRange, reuse: boolean): void {
    const { grid, table } = this;
    if (!grid || !table) {
      return;
    }
    const body = table.querySelector('tbody');
    if (!body) {
      return;
    }
    const active = document.activeElement;
    const focused =
      active instanceof HTMLElement && table.contains(active) ? active : null;
    // Rows are kept only when they have the columns to render (else the header row
    // and every row are built again).
    const columns = this.columnRuns();
    const key = JSON.stringify(columns);
    if (key !== this.columnsKey) {
      reuse = false;
      table.querySelector('thead')?.replaceChildren(gridHeadRow(grid, columns));
      this.columnsKey = key;
    }
    const old = new Map<number, HTMLTableRowElement>();
    if (reuse) {
      for (const tr of Array.from(body.children) as HTMLTableRowElement[]) {
        if (tr.dataset.row !== undefined) {
          old.set(Number(tr.dataset.row), tr);
        }
      }
    }
    const runs = rowRuns(range, [this.focusCell[0]], this.rows.length);
    patchChildren(
      body,
      gridRowNodes(
        grid,
        this.rows,
        {
          rows: runs,
          columns,
          focus: this.focusCell,
          rowHeight: this.metrics.rowHeight
        },
        old
      )
    );
    this.rendered = range;
    if (focused && !focused.isConnected) {
      this.cellAt(...this.focusCell)?.focus({ preventScroll: true });
    }
  }

  private sortBy(order: SortOrder): void {
    this.order = order;
    if (!this.grid || !this.table) {
      return;
    }
    this.rows = sortRows(this.grid.rows, order);
    this.focusCell = [0, 0];
    if (this.scroller) {
      this.scroller.scrollTop = 0;
    }
    this.renderRows(
      rowWindow(0, this.metrics, this.rows.length, OVERSCAN),
      false
    );
    this.table.caption!.textContent = this.caption();
    const first = this.rows
      .slice(0, 3)
      .map(r => r.username)
      .join(', ');
    this.say(`Learners sorted ${SORT_LABELS[order]}. First: ${first}.`);
  }

  /** The rendered cell of row `r` (of `rows`) and column `c`, or null. */
  private cellAt(r: number, c: number): HTMLElement | null {
    return (
      this.table?.querySelector<HTMLElement>(
        `tbody > tr[data-row="${r}"] > td[data-col="${c}"]`
      ) ?? null
    );
  }

  /**
   * Moves the grid's tab stop and the focus to cell (r, c): it is scrolled into view
   * (clear of the sticky headers) and rendered if it was not.
   */
  private moveTo(r: number, c: number): void {
    if (!this.grid || this.rows.length === 0) {
      return;
    }
    const rr = Math.max(0, Math.min(this.rows.length - 1, r));
    const cc = Math.max(0, Math.min(this.grid.columns.length - 1, c));
    const before = this.cellAt(...this.focusCell);
    this.focusCell = [rr, cc];
    const scroller = this.scroller;
    if (scroller) {
      const top = scrollTopToShow(rr, scroller.scrollTop, this.metrics);
      if (Math.abs(top - scroller.scrollTop) >= 1) {
        scroller.scrollTop = top;
      }
      const left = scrollLeftToShow(
        cc,
        scroller.scrollLeft,
        this.columnMetrics
      );
      if (Math.abs(left - scroller.scrollLeft) >= 1) {
        scroller.scrollLeft = left;
      }
    }
    this.updateWindow(this.cellAt(rr, cc) === null);
    const next = this.cellAt(rr, cc);
    if (!next) {
      return;
    }
    if (before && before !== next) {
      before.tabIndex = -1;
    }
    next.tabIndex = 0;
    // Focused without scrolling (it may have the focus already: rendering the rows gave
    // it back), then shown: the scroll box's padding keeps it clear of the sticky headers.
    next.focus({ preventScroll: true });
    next.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  private onGridKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('pylearn-cell')) {
      return;
    }
    const [r, c] = [Number(target.dataset.row), Number(target.dataset.col)];
    const page = rowsPerPage(this.metrics);
    const last = Number.MAX_SAFE_INTEGER;
    const ctrl = event.ctrlKey || event.metaKey;
    const moves: Record<string, [number, number]> = {
      ArrowDown: [r + 1, c],
      ArrowUp: [r - 1, c],
      ArrowRight: [r, c + 1],
      ArrowLeft: [r, c - 1],
      Home: ctrl ? [0, 0] : [r, 0],
      End: ctrl ? [last, last] : [r, last],
      PageDown: [r + page, c],
      PageUp: [r - page, c]
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      this.moveTo(...move);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      target.click();
    }
  }

  /** Gives a cell its title (its attempts) the first time it is pointed at or focused. */
  private describeCell(target: EventTarget | null): HTMLElement | null {
    const cell = (target as HTMLElement | null)?.closest?.<HTMLElement>(
      'td.pylearn-cell'
    );
    if (!cell || !this.grid) {
      return null;
    }
    if (!cell.title) {
      const row = this.rows[Number(cell.dataset.row)];
      cell.title = attemptsSentence(row?.cells[Number(cell.dataset.col)]);
    }
    return cell;
  }

  /** The focused cell in words, under the table: who, which exercise, state, attempts. */
  private onGridFocus(event: FocusEvent): void {
    const cell = this.describeCell(event.target);
    const detail = this.gridBox.querySelector<HTMLElement>(
      '.pylearn-cell-detail'
    );
    if (!detail || !cell || !this.grid) {
      return;
    }
    const row = this.rows[Number(cell.dataset.row)];
    const column = this.grid.columns[Number(cell.dataset.col)];
    if (row && column) {
      detail.textContent = `${row.username}, ${column.title}: ${cell.textContent}. ${cell.title}`;
    }
  }

  private onGridClick(event: MouseEvent): void {
    const cell = (event.target as HTMLElement).closest<HTMLElement>(
      'td.pylearn-cell'
    );
    if (!cell || !this.grid) {
      return;
    }
    const r = Number(cell.dataset.row);
    const c = Number(cell.dataset.col);
    const before = this.cellAt(...this.focusCell);
    if (before && before !== cell) {
      before.tabIndex = -1;
    }
    cell.tabIndex = 0;
    this.focusCell = [r, c];
    this.showCode(this.rows[r], this.grid.columns[c], r, c, cell);
  }

  /** The learner's latest code, read-only: text in a <pre>, never rendered as HTML. */
  private showCode(
    row: IGridRow,
    column: IGridColumn,
    r: number,
    c: number,
    cell: HTMLElement
  ): void {
    const p = row.cells[c];
    const state = cellState(p);
    const close = button(['Close'], () => this.closeCode(true));
    close.setAttribute('aria-label', 'Close the code');
    const heading = h('h3', { id: 'pylearn-code-heading', tabindex: '-1' }, [
      `${row.username}: ${column.title}`
    ]);
    const words = [
      state.words,
      state.solution ? 'solution viewed' : '',
      attemptsSentence(p)
    ]
      .filter(Boolean)
      .join('; ');
    const pre = h('pre', { className: 'pylearn-code', tabindex: '0' });
    pre.setAttribute('aria-label', `Latest code of ${row.username}`);
    pre.textContent = p?.last_code ?? '';
    this.codePane.replaceChildren(
      heading,
      h('p', {}, [words.charAt(0).toUpperCase() + words.slice(1)]),
      p?.last_code
        ? pre
        : h('p', { className: 'pylearn-note' }, ['No code submitted yet.']),
      close
    );
    this.codePane.dataset.row = String(r);
    this.codePane.dataset.col = String(c);
    this.codePane.hidden = false;
    this.codeCell = cell;
    this.codeOf = [row.userId, c];
    heading.focus();
  }

  private closeCode(refocus: boolean): void {
    if (this.codePane.hidden) {
      return;
    }
    this.codePane.hidden = true;
    this.codePane.replaceChildren();
    const cell = this.codeCell;
    const of = this.codeOf;
    this.codeCell = null;
    this.codeOf = null;
    if (!refocus) {
      return;
    }
    if (cell?.isConnected) {
      cell.focus();
      return;
    }
    // Its row was rendered again (a scroll, a sort): the learner's cell, wherever it is.
    const r = of ? this.rows.findIndex(row => row.userId === of[0]) : -1;
    if (of && r >= 0) {
      this.moveTo(r, of[1]);
    }
  }

  private exportCsv(): void {
    if (!this.grid || !this.current) {
      this.say('There is no progress to export yet.');
      return;
    }
    const blob = new Blob([progressCsv(this.grid)], {
      type: 'text/csv;charset=utf-8'
    });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${this.current.name.replace(/[^A-Za-z0-9._-]+/g, '-')}-progress.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    this.say('The progress CSV is downloaded.');
  }

  private async upload(file: File): Promise<void> {
    const info = this.current;
    const api = this.context.api();
    const token = this.context.token();
    if (!info || !api || !token) {
      return;
    }
    let bundle: unknown;
    try {
      bundle = JSON.parse(await file.text());
    } catch {
      this.uploadNote = `${file.name} is not a JSON file. Choose the .json bundle made by pylearn release --bundle.`;
      this.say(this.uploadNote);
      this.renderHeader();
      return;
    }
    try {
      const { version } = await api.uploadClassCourse(token, info.id, bundle);
      // Each upload says so, in a note of its own (the same file twice: the same version).
      const before = this.uploads?.classId === info.id ? this.uploads : null;
      const count = (before?.count ?? 0) + 1;
      const same = before?.version === version;
      this.uploads = { classId: info.id, count, version };
      this.uploadNote =
        count === 1
          ? `Course uploaded: version ${version}.`
          : `Course uploaded again (upload ${count} from this panel): version ${version}${
              same
                ? ', the same course as the upload before'
                : ', a new version'
            }.`;
    } catch (error) {
      this.uploadNote = `The bundle was not uploaded: ${errorText(error)}`;
      this.say(this.uploadNote);
      this.renderHeader();
      return;
    }
    this.say(this.uploadNote);
    this.renderHeader();
    await this.load();
  }
}
