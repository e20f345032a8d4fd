// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Signal } from '@lumino/signaling';

import { ApiClient, Transport } from '../src/api';
import {
  IClassInfo,
  IClassProgress,
  ILearnerProgress,
  buildGrid
} from '../src/classes';
import {
  ClassPanel,
  ClassesModel,
  IClassesContext,
  OVERSCAN,
  gridTable
} from '../src/classpanel';

const LEARNERS = 300;
const EXERCISES = 40;

const info: IClassInfo = {
  id: 'c0ffee00c0ffee00',
  name: 'Big class',
  role: 'teacher',
  course: 'pylearn',
  teacher: { username: 'grace' },
  created_at: '2025-01-01T09:00:00Z',
  learners_count: LEARNERS,
  join_code: '7K4M2-XQ9RD'
};

const columns = Array.from({ length: EXERCISES }, (_, j) => ({
  id: `big.ex${j}`,
  title: `Exercise ${j}`
}));

/** Learner i has done (i * 7) % (EXERCISES + 1) exercises, tried one more. */
function doneBy(i: number): number {
  return (i * 7) % (EXERCISES + 1);
}

function bigAnswer(): IClassProgress {
  return {
    class: info,
    learners: Array.from({ length: LEARNERS }, (_, i) => {
      const progress: ILearnerProgress[] = [];
      for (let j = 0; j < Math.min(EXERCISES, doneBy(i) + 1); j++) {
        const done = j < doneBy(i);
        progress.push({
          exercise_id: `big.ex${j}`,
          completed_at: done ? '2025-01-02T10:00:00Z' : null,
          attempts: done ? 1 : 2,
          last_code: `print(${i}, ${j})`,
          last_submitted_at: '2025-01-02T10:00:00Z',
          solution_viewed: false
        });
      }
      return {
        user_id: `u${i}`,
        username: `learner${String(i).padStart(3, '0')}`,
        joined_at: '2025-01-01T10:00:00Z',
        progress
      };
    })
  };
}

const opened: ClassPanel[] = [];
/** The requests of the panel opened last. */
let requests: Array<[string, string, unknown]> = [];

afterEach(() => {
  for (const panel of opened.splice(0)) {
    panel.node.remove();
    panel.dispose();
  }
  vi.restoreAllMocks();
});

async function openPanel(
  classInfo: IClassInfo = info,
  extra: Transport = async () => ({ status: 404, data: null })
) {
  const sent: Array<[string, string, unknown]> = [];
  requests = sent;
  const said: string[] = [];
  const answer = bigAnswer();
  const transport: Transport = async (method, path, body, token, headers) => {
    sent.push([method, path, body]);
    if (path === '/classes') {
      return { status: 200, data: { items: [classInfo] } };
    }
    if (path.endsWith('/progress')) {
      return { status: 200, data: { ...answer, class: classInfo } };
    }
    return extra(method, path, body, token, headers);
  };
  const api = new ApiClient(transport, () => 'd');
  const context: IClassesContext = {
    announcer: { say: text => said.push(text) },
    api: () => api,
    token: () => 'tok',
    username: () => 'grace',
    builtinColumns: () => columns,
    changed: new Signal<unknown, void>({}),
    openPanel: () => undefined
  };
  const model = new ClassesModel(context);
  const panel = new ClassPanel(model);
  opened.push(panel);
  document.body.append(panel.node);
  await model.refresh();
  await vi.waitFor(() =>
    expect(panel.node.querySelector('table.pylearn-grid')).not.toBeNull()
  );
  const table =
    panel.node.querySelector<HTMLTableElement>('table.pylearn-grid')!;
  const scroller = panel.node.querySelector<HTMLElement>(
    '.pylearn-grid-scroll'
  )!;
  return { panel, table, scroller, sent, said, answer };
}

/** The learners' rows in the page (spacer rows left out). */
function shownRows(table: HTMLTableElement): HTMLTableRowElement[] {
  return Array.from(
    table.querySelectorAll<HTMLTableRowElement>('tbody > tr[data-row]')
  );
}

function press(key: string, options: KeyboardEventInit = {}): void {
  (document.activeElement as HTMLElement).dispatchEvent(
    new KeyboardEvent('keydown', { key, bubbles: true, ...options })
  );
}

function focused(): HTMLElement {
  return document.activeElement as HTMLElement;
}

function focusFirstCell(table: HTMLTableElement): HTMLElement {
  const cell = table.querySelector<HTMLElement>('td[tabindex="0"]')!;
  cell.focus();
  return cell;
}

describe('the windowed grid table', () => {
  it('says the full size with aria-rowcount and each rendered row its aria-rowindex', () => {
    const grid = buildGrid(bigAnswer(), columns);
    const table = gridTable(grid, grid.rows, 'c', {
      rows: [
        { start: 0, end: 100, rendered: false },
        { start: 100, end: 120, rendered: true },
        { start: 120, end: LEARNERS, rendered: false }
      ],
      focus: [110, 3],
      rowHeight: 20
    });
    expect(table.getAttribute('aria-rowcount')).toBe(String(LEARNERS + 1));
    expect(table.getAttribute('aria-colcount')).toBe(String(EXERCISES + 1));
    expect(table.querySelector('thead tr')!.getAttribute('aria-rowindex')).toBe(
      '1'
    );
    const rows = shownRows(table);
    expect(rows).toHaveLength(20);
    expect(rows.map(tr => tr.getAttribute('aria-rowindex'))).toEqual(
      Array.from({ length: 20 }, (_, i) => String(102 + i))
    );
    expect(rows[0].querySelector('th')!.getAttribute('scope')).toBe('row');
    expect(rows[0].querySelector('th')!.textContent).toContain('learner100');
    // The spacers stand for the rows left out, hidden from screen readers.
    const spacers = table.querySelectorAll<HTMLElement>(
      'tr.pylearn-grid-spacer'
    );
    expect(spacers).toHaveLength(2);
    expect(spacers[0].getAttribute('aria-hidden')).toBe('true');
    expect(spacers[0].querySelector('td')!.style.height).toBe('2000px');
    expect(spacers[1].querySelector('td')!.style.height).toBe(
      `${(LEARNERS - 120) * 20}px`
    );
    // One tab stop, on the focused cell.
    const stops = table.querySelectorAll('td[tabindex="0"]');
    expect(stops).toHaveLength(1);
    expect((stops[0] as HTMLElement).dataset.row).toBe('110');
    expect((stops[0] as HTMLElement).dataset.col).toBe('3');
  });
});

describe('the windowed grid table, sideways', () => {
  it('renders the columns of its runs, each cell with its aria-colindex', () => {
    const grid = buildGrid(bigAnswer(), columns);
    const table = gridTable(grid, grid.rows, 'c', {
      rows: [
        { start: 0, end: 2, rendered: true },
        { start: 2, end: LEARNERS, rendered: false }
      ],
      columns: [
        { start: 0, end: 10, rendered: false },
        { start: 10, end: 15, rendered: true },
        { start: 15, end: EXERCISES, rendered: false }
      ],
      focus: [1, 12]
    });
    const heads = Array.from(table.querySelectorAll('thead th'));
    expect(heads.map(th => th.textContent)).toEqual([
      'Learner',
      ...[10, 11, 12, 13, 14].map(j => `Exercise ${j}`)
    ]);
    expect(heads.map(th => th.getAttribute('aria-colindex'))).toEqual([
      '1',
      '12',
      '13',
      '14',
      '15',
      '16'
    ]);
    const row = shownRows(table)[1];
    const cells = Array.from(row.querySelectorAll('td.pylearn-cell'));
    expect(cells.map(td => td.getAttribute('data-col'))).toEqual([
      '10',
      '11',
      '12',
      '13',
      '14'
    ]);
    expect(cells.map(td => td.getAttribute('aria-colindex'))).toEqual(
      heads.slice(1).map(th => th.getAttribute('aria-colindex'))
    );
    // Gap cells stand for the columns left out, with their spans.
    const gaps = Array.from(
      row.querySelectorAll<HTMLTableCellElement>('td.pylearn-grid-gap')
    );
    expect(gaps.map(td => td.colSpan)).toEqual([10, EXERCISES - 15]);
    expect(gaps.every(td => td.getAttribute('aria-hidden') === 'true')).toBe(
      true
    );
    expect(table.querySelectorAll('td[tabindex="0"]')).toHaveLength(1);
    expect(
      table.querySelector('td[tabindex="0"]')!.getAttribute('data-col')
    ).toBe('12');
  });
});

describe('the Class panel with 300 learners', () => {
  it('renders a window of rows in one table with its column headers', async () => {
    const { table } = await openPanel();
    expect(panelTables()).toHaveLength(1);
    expect(table.getAttribute('aria-rowcount')).toBe(String(LEARNERS + 1));
    expect(table.getAttribute('aria-colcount')).toBe(String(EXERCISES + 1));
    // Only the columns in and near the viewport, too.
    const heads = table.querySelectorAll('thead th');
    expect(heads.length).toBeGreaterThan(5);
    expect(heads.length).toBeLessThan(EXERCISES);
    const rows = shownRows(table);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(LEARNERS / 4);
    expect(rows[0].getAttribute('aria-rowindex')).toBe('2');
    expect(table.caption!.textContent).toContain(
      `${LEARNERS} learners × ${EXERCISES} exercises`
    );
    // States in words, the attempts in the title once pointed at.
    const cell = rows[0].children[1] as HTMLElement;
    expect(['done', 'tried', 'not started']).toContain(cell.textContent);
    cell.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
    expect(cell.title).toMatch(/^(\d+ attempts?|No attempts yet)/);
  });

  it('renders the rows scrolled to, and keeps the focused cell rendered', async () => {
    const { table, scroller } = await openPanel();
    const first = focusFirstCell(table);
    scroller.scrollTop = 250 * 22;
    scroller.dispatchEvent(new Event('scroll'));
    const shown = shownRows(table).map(tr => Number(tr.dataset.row));
    expect(shown).toContain(250);
    expect(shown).toContain(0); // the focused cell's row
    expect(shown).not.toContain(100);
    expect(shown.length).toBeLessThan(LEARNERS / 4);
    expect(first.isConnected).toBe(true);
    expect(focused()).toBe(first);
    expect(table.querySelectorAll('td[tabindex="0"]')).toHaveLength(1);
    // Back to the top: the rows in between are rendered again, the same focused cell kept.
    scroller.scrollTop = 0;
    scroller.dispatchEvent(new Event('scroll'));
    expect(shownRows(table).map(tr => Number(tr.dataset.row))).not.toContain(
      250
    );
    expect(focused()).toBe(first);
  });

  it('moves the focus past the rendered rows with the keys, rendering the target row', async () => {
    const { table, scroller } = await openPanel();
    focusFirstCell(table);
    const lastShown = Math.max(
      ...shownRows(table).map(tr => Number(tr.dataset.row))
    );
    expect(lastShown).toBeLessThan(LEARNERS - 1);
    // Arrow down, one row at a time, across the edge of the rendered rows.
    for (let i = 0; i < lastShown + 3; i++) {
      press('ArrowDown');
    }
    expect(focused().dataset.row).toBe(String(lastShown + 3));
    expect(focused().dataset.col).toBe('0');
    expect(focused().closest('tr')!.getAttribute('aria-rowindex')).toBe(
      String(lastShown + 5)
    );
    expect(scroller.scrollTop).toBeGreaterThan(0);
    // Control+End: the last learner's last cell, rendered and focused.
    press('End', { ctrlKey: true });
    expect(focused().dataset.row).toBe(String(LEARNERS - 1));
    expect(focused().dataset.col).toBe(String(EXERCISES - 1));
    expect(focused().closest('tr')!.getAttribute('aria-rowindex')).toBe(
      String(LEARNERS + 1)
    );
    expect(shownRows(table).map(tr => Number(tr.dataset.row))).not.toContain(0);
    expect(table.querySelectorAll('td[tabindex="0"]')).toHaveLength(1);
    // Page Up: a screen of learners up; Control+Home: the first cell again.
    press('PageUp');
    const up = Number(focused().dataset.row);
    expect(up).toBeLessThan(LEARNERS - 1 - 5);
    expect(up).toBeGreaterThan(LEARNERS - 1 - OVERSCAN * 3);
    press('Home', { ctrlKey: true });
    expect([focused().dataset.row, focused().dataset.col]).toEqual(['0', '0']);
    expect(scroller.scrollTop).toBe(0);
    // Page Down repeated reaches the last learner.
    for (
      let i = 0;
      i < LEARNERS && focused().dataset.row !== String(LEARNERS - 1);
      i++
    ) {
      press('PageDown');
    }
    expect(focused().dataset.row).toBe(String(LEARNERS - 1));
    expect(focused().textContent).toMatch(/^(done|tried|not started)/);
  });

  it('opens the focused learner’s code with Enter, and Escape comes back to the cell', async () => {
    const { panel, table, answer } = await openPanel();
    focusFirstCell(table);
    press('End', { ctrlKey: true });
    press('Home');
    const cell = focused();
    press('Enter');
    const pane = panel.node.querySelector<HTMLElement>('.pylearn-code-pane')!;
    expect(pane.hidden).toBe(false);
    const last = answer.learners[LEARNERS - 1];
    expect(pane.querySelector('h3')!.textContent).toBe(
      `${last.username}: Exercise 0`
    );
    expect(pane.querySelector('pre')!.textContent).toBe(
      last.progress[0].last_code
    );
    press('Escape');
    expect(pane.hidden).toBe(true);
    expect(focused()).toBe(cell);
  });

  it('sorts all the learners, not only the rendered ones', async () => {
    const { panel, table, said } = await openPanel();
    const sort = panel.node.querySelector<HTMLSelectElement>(
      '#pylearn-class-sort'
    )!;
    sort.value = 'least-done';
    sort.dispatchEvent(new Event('change'));
    // Independently: the fewest done, ties by name.
    const expected = bigAnswer()
      .learners.map((l, i) => ({ name: l.username, done: doneBy(i) }))
      .sort((a, b) => a.done - b.done || (a.name < b.name ? -1 : 1));
    const rows = shownRows(table);
    expect(rows[0].querySelector('th')!.firstChild!.textContent).toBe(
      expected[0].name
    );
    expect(rows[0].getAttribute('aria-rowindex')).toBe('2');
    expect(rows.length).toBeLessThan(LEARNERS / 4);
    expect(said.at(-1)).toContain(`First: ${expected[0].name}`);
    sort.value = 'most-done';
    sort.dispatchEvent(new Event('change'));
    focusFirstCell(table);
    press('End', { ctrlKey: true });
    expect(
      focused().closest('tr')!.querySelector('th')!.firstChild!.textContent
    ).toBe(
      [...expected].sort(
        (a, b) => b.done - a.done || (a.name < b.name ? -1 : 1)
      )[LEARNERS - 1].name
    );
  });

  it('exports every learner in the CSV and lists who is stuck among all of them', async () => {
    const { panel } = await openPanel();
    const blobs: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation(blob => {
      blobs.push(blob as Blob);
      return 'blob:csv';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(
      () => undefined
    );
    Array.from(panel.node.querySelectorAll('button'))
      .find(b => b.textContent === 'Export CSV')!
      .click();
    expect(blobs).toHaveLength(1);
    const lines = (await blobs[0].text()).trimEnd().split('\n');
    expect(lines).toHaveLength(1 + LEARNERS * EXERCISES);
    const names = new Set(lines.slice(1).map(line => line.split(',')[0]));
    expect(names.size).toBe(LEARNERS);
    expect(names).toContain(`learner${LEARNERS - 1}`);
  });
});

describe('loading an uploaded course’s class', () => {
  it('asks for the progress without waiting for the course’s exercises', async () => {
    const uploaded = {
      ...info,
      id: 'feed0000feed0001',
      course: 'uploaded' as const
    };
    let progressFirst = false;
    const { table } = await openPanel(uploaded, async (method, path) => {
      // The course's answer comes only once the progress was asked for.
      for (let i = 0; i < 50 && !progressFirst; i++) {
        progressFirst = requests.some(([, p]) => p.endsWith('/progress'));
        await new Promise(resolve => setTimeout(resolve, 5));
      }
      expect(path).toBe(`/classes/${uploaded.id}/course`);
      return { status: 404, data: { detail: 'No course yet.' } };
    });
    expect(progressFirst).toBe(true);
    // No bundle yet: the exercises with progress are the columns.
    expect(table.getAttribute('aria-colcount')).toBe(String(EXERCISES + 1));
  });
});

describe('uploading a course bundle', () => {
  it('uploads again when the same file is chosen again, and says so each time', async () => {
    const uploaded = {
      ...info,
      id: 'feed0000feed0000',
      course: 'uploaded' as const
    };
    const puts: unknown[] = [];
    const { panel, said } = await openPanel(
      uploaded,
      async (method, path, body) => {
        if (method === 'PUT') {
          puts.push(body);
          // The version is the content's: the same file, the same version.
          const edited = JSON.stringify(body).includes('edited');
          return { status: 200, data: { version: edited ? 'v2def' : 'v1abc' } };
        }
        return { status: 404, data: { detail: 'No course yet.' } };
      }
    );
    let file = new File(['{"format": 1}'], 'course.bundle.json', {
      type: 'application/json'
    });
    const choose = () => {
      const input = panel.node.querySelector<HTMLInputElement>(
        '#pylearn-bundle-file'
      )!;
      Object.defineProperty(input, 'files', {
        value: [file],
        configurable: true
      });
      input.dispatchEvent(new Event('change'));
      return input;
    };
    const note = () =>
      panel.node.querySelector('#pylearn-bundle-note')!.textContent;
    const input = choose();
    // Emptied at once, so that choosing the same file fires `change` again.
    expect(input.value).toBe('');
    await vi.waitFor(() => expect(puts).toHaveLength(1));
    await vi.waitFor(() =>
      expect(note()).toBe('Course uploaded: version v1abc.')
    );
    choose();
    await vi.waitFor(() => expect(puts).toHaveLength(2));
    await vi.waitFor(() =>
      expect(note()).toBe(
        'Course uploaded again (upload 2 from this panel): version v1abc, the same course as the upload before.'
      )
    );
    expect(said.filter(s => s.startsWith('Course uploaded'))).toHaveLength(2);
    // Edited, then chosen again: a third upload, of a new version.
    file = new File(
      ['{"format": 1, "title": "edited"}'],
      'course.bundle.json',
      {
        type: 'application/json'
      }
    );
    choose();
    await vi.waitFor(() => expect(puts).toHaveLength(3));
    await vi.waitFor(() =>
      expect(note()).toBe(
        'Course uploaded again (upload 3 from this panel): version v2def, a new version.'
      )
    );
    expect(said.filter(s => s.startsWith('Course uploaded'))).toHaveLength(3);
  });
});

function panelTables(): Element[] {
  return Array.from(document.querySelectorAll('.pylearn-class-panel table'));
}
