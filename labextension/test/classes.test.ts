// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';

import { ApiClient, ApiError, Transport } from '../src/api';
import {
  IClassInfo,
  IClassProgress,
  ILearnerProgress,
  bundleColumns,
  buildGrid,
  cellState,
  csvStatus,
  joinCodeProblem,
  joinErrorSentence,
  normalizeJoinCode,
  progressCsv,
  sortRows,
  stuckList,
  IGridMetrics,
  IColumnMetrics,
  columnWindow,
  needsNewWindow,
  rowRuns,
  rowWindow,
  rowsPerPage,
  scrollLeftToShow,
  scrollTopToShow,
  visibleColumns,
  visibleRows
} from '../src/classes';
import { Signal } from '@lumino/signaling';

import {
  ClassesArea,
  ClassesModel,
  IClassesContext,
  gridTable
} from '../src/classpanel';

const teacherClass: IClassInfo = {
  id: '0f3a9c2e7b1d4a58',
  name: 'Python 101',
  role: 'teacher',
  course: 'pylearn',
  teacher: { username: 'grace' },
  created_at: '2025-01-01T09:00:00Z',
  learners_count: 3,
  join_code: '7K4M2-XQ9RD'
};

function entry(
  exercise_id: string,
  overrides: Partial<ILearnerProgress> = {}
): ILearnerProgress {
  return {
    exercise_id,
    completed_at: null,
    attempts: 1,
    last_code: 'print(1)',
    last_submitted_at: '2025-01-02T10:00:00Z',
    solution_viewed: false,
    ...overrides
  };
}

const answer: IClassProgress = {
  class: teacherClass,
  learners: [
    {
      user_id: 'u1',
      username: 'ada',
      joined_at: '2025-01-01T10:00:00Z',
      progress: [
        entry('sample.greet', {
          completed_at: '2025-01-02T10:00:00Z',
          attempts: 2
        }),
        entry('sample.reverse-words', {
          attempts: 4,
          last_submitted_at: '2025-01-03T11:00:00Z'
        })
      ]
    },
    {
      user_id: 'u2',
      username: 'Bob',
      joined_at: '2025-01-01T11:00:00Z',
      progress: [
        entry('sample.greet', {
          completed_at: '2025-01-02T12:00:00Z',
          solution_viewed: true
        }),
        entry('sample.reverse-words', {
          completed_at: '2025-01-02T13:00:00Z',
          attempts: 5
        }),
        entry('other.extra', { attempts: 3 })
      ]
    },
    {
      user_id: 'u3',
      username: 'carol',
      joined_at: '2025-01-01T12:00:00Z',
      progress: []
    }
  ]
};

const columns = [
  { id: 'sample.greet', title: 'Greet someone' },
  { id: 'sample.reverse-words', title: 'Reverse the words' }
];

describe('join codes', () => {
  it('reads any case, dashes and spaces, and I, L, O as 1 and 0', () => {
    expect(normalizeJoinCode('7k4m2-xq9rd')).toBe('7K4M2-XQ9RD');
    expect(normalizeJoinCode(' 7K4M2 XQ9RD ')).toBe('7K4M2-XQ9RD');
    expect(normalizeJoinCode('IL0O0-ABCDE')).toBe('11000-ABCDE');
  });

  it('refuses what cannot be a code, in a sentence, before anything is sent', () => {
    expect(normalizeJoinCode('7K4M2-XQ9R')).toBeNull();
    expect(normalizeJoinCode('7K4M2-XQ9RU')).toBeNull(); // U is not in the alphabet
    expect(joinCodeProblem('')).toMatch(/Type the join code/);
    expect(joinCodeProblem('abc')).toMatch(/10 letters and digits/);
    expect(joinCodeProblem('7k4m2xq9rd')).toBeNull();
  });

  it('says each refusal of the API in one plain sentence', () => {
    expect(joinErrorSentence(new ApiError(404, 'x'))).toMatch(
      /No class has that join code/
    );
    expect(joinErrorSentence(new ApiError(409, 'x'))).toMatch(/your own class/);
    expect(
      joinErrorSentence(
        new ApiError(429, 'x', {
          detail: 'Too many unknown join codes; wait 12 minute(s).'
        })
      )
    ).toBe('Too many unknown join codes; wait 12 minute(s).');
    expect(joinErrorSentence(new ApiError(429, 'x'))).toMatch(/wait/);
    expect(joinErrorSentence(new Error('boom'))).toMatch(/Please try again/);
  });

  it('sends consent with the code, and only to the join route', async () => {
    const sent: Array<[string, string, unknown, string | undefined]> = [];
    const transport: Transport = async (method, path, body, token) => {
      sent.push([method, path, body, token]);
      return { status: 200, data: { ...teacherClass, role: 'learner' } };
    };
    await new ApiClient(transport, () => 'd').joinClass('tok', '7K4M2-XQ9RD');
    await new ApiClient(transport, () => 'd').leaveClass('tok', 'abc');
    expect(sent).toEqual([
      [
        'POST',
        '/classes/join',
        { join_code: '7K4M2-XQ9RD', consent: true },
        'tok'
      ],
      ['DELETE', '/classes/abc/membership', undefined, 'tok']
    ]);
  });
});

describe('the grid of a class', () => {
  it('has the course exercises in order, then other exercises with progress', () => {
    const grid = buildGrid(answer, columns);
    expect(grid.columns.map(c => c.id)).toEqual([
      'sample.greet',
      'sample.reverse-words',
      'other.extra'
    ]);
    expect(grid.rows.map(r => [r.username, r.done, r.attempts])).toEqual([
      ['ada', 1, 6],
      ['Bob', 2, 9],
      ['carol', 0, 0]
    ]);
    expect(grid.rows[0].lastActivity).toBe('2025-01-03T11:00:00Z');
  });

  it('says each state in words', () => {
    const grid = buildGrid(answer, columns);
    const [ada, bob, carol] = grid.rows;
    expect(cellState(ada.cells[0]).words).toBe('done');
    expect(cellState(ada.cells[1]).words).toBe('tried');
    expect(cellState(carol.cells[0]).words).toBe('not started');
    expect(cellState(bob.cells[0])).toMatchObject({
      kind: 'done',
      solution: true
    });
    expect(csvStatus(bob.cells[0])).toBe('solution viewed');
  });

  it('strips the class prefix of an uploaded course', () => {
    const uploaded: IClassProgress = {
      class: { ...teacherClass, course: 'uploaded' },
      learners: [
        {
          user_id: 'u1',
          username: 'ada',
          joined_at: '2025-01-01T10:00:00Z',
          progress: [entry('class:0f3a9c2e7b1d4a58/week1.sum')]
        }
      ]
    };
    const bundleCols = bundleColumns({
      format: 1,
      course: {
        title: 'T',
        chapters: [
          {
            id: 'week2',
            title: 'W2',
            order: 2,
            notebook: 'b.ipynb',
            exercises: [{ id: 'week2.mul', title: 'Multiply' }]
          },
          {
            id: 'week1',
            title: 'W1',
            order: 1,
            notebook: 'a.ipynb',
            exercises: [{ id: 'week1.sum', title: 'Add' }]
          }
        ]
      },
      notebooks: {}
    });
    const grid = buildGrid(uploaded, bundleCols);
    expect(grid.columns.map(c => c.id)).toEqual(['week1.sum', 'week2.mul']);
    expect(cellState(grid.rows[0].cells[0]).words).toBe('tried');
  });

  it('sorts by name and by progress, ties by name', () => {
    const grid = buildGrid(answer, columns);
    const names = (order: 'name' | 'most-done' | 'least-done') =>
      sortRows(grid.rows, order).map(r => r.username);
    expect(names('name')).toEqual(['ada', 'Bob', 'carol']);
    expect(names('most-done')).toEqual(['Bob', 'ada', 'carol']);
    expect(names('least-done')).toEqual(['carol', 'ada', 'Bob']);
    expect(grid.rows.map(r => r.username)).toEqual(['ada', 'Bob', 'carol']);
  });

  it('lists who is stuck: 3 or more attempts and no pass, latest first', () => {
    const stuck = stuckList(buildGrid(answer, columns));
    expect(stuck.map(s => [s.username, s.exerciseId, s.attempts])).toEqual([
      ['ada', 'sample.reverse-words', 4],
      ['Bob', 'other.extra', 3]
    ]);
    expect(stuck[0].lastSubmittedAt).toBe('2025-01-03T11:00:00Z');
  });

  it('exports the columns and values of `pylearn class progress`', () => {
    const csv = progressCsv(buildGrid(answer, columns));
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'username,joined_at,exercise_id,status,attempts,completed_at,last_submitted_at'
    );
    expect(lines).toHaveLength(1 + 3 * 3);
    expect(lines[1]).toBe(
      'ada,2025-01-01T10:00:00Z,sample.greet,done,2,2025-01-02T10:00:00Z,2025-01-02T10:00:00Z'
    );
    expect(lines[3]).toBe(
      'ada,2025-01-01T10:00:00Z,other.extra,not started,0,,'
    );
    expect(lines[4]).toContain(',sample.greet,solution viewed,1,');
    expect(csv).not.toContain('@');
  });

  it('draws a real table: caption, column and row headers, cells in words', () => {
    const grid = buildGrid(answer, columns);
    const table = gridTable(grid, grid.rows, 'Progress of Python 101');
    expect(table.caption?.textContent).toBe('Progress of Python 101');
    const heads = Array.from(table.querySelectorAll('thead th'));
    expect(heads.every(th => th.getAttribute('scope') === 'col')).toBe(true);
    expect(heads.map(th => th.textContent)).toEqual([
      'Learner',
      'Greet someone',
      'Reverse the words',
      'other.extra'
    ]);
    const ada = table.querySelector('tbody tr')!;
    const rowHead = ada.querySelector('th')!;
    expect(rowHead.getAttribute('scope')).toBe('row');
    expect(rowHead.textContent).toContain('ada');
    const cell = ada.querySelectorAll('td')[1];
    expect(cell.textContent).toContain('tried');
    expect(cell.className).toBe('pylearn-cell pylearn-cell-tried');
    expect(table.querySelector('td.pylearn-cell-solution')?.textContent).toBe(
      'done, solution viewed'
    );
    // One tab stop for the whole grid.
    expect(table.querySelectorAll('td[tabindex="0"]')).toHaveLength(1);
    expect(table.querySelectorAll('td.pylearn-cell')).toHaveLength(3 * 3);
  });

  it('never renders code as HTML in the grid', () => {
    const evil: IClassProgress = {
      class: teacherClass,
      learners: [
        {
          user_id: 'u9',
          username: '<b>x</b>',
          joined_at: '2025-01-01T10:00:00Z',
          progress: [entry('sample.greet', { last_code: '<img src=x>' })]
        }
      ]
    };
    const grid = buildGrid(evil, columns);
    const table = gridTable(grid, grid.rows, 'c');
    expect(table.querySelector('img, b')).toBeNull();
  });
});

describe('the window of rows and columns of a big grid', () => {
  // Rows of 20 px; the caption and headers take 50 px, of which the sticky headers 30.
  const m: IGridMetrics = {
    rowHeight: 20,
    bodyTop: 50,
    stickyTop: 30,
    viewport: 230
  };

  it('finds the rows visible at a scroll position, below the sticky headers', () => {
    // At the top: rows 0 to 8 (the last one in part: 50 + 9 × 20 = 230).
    expect(visibleRows(0, m, 300)).toEqual({ start: 0, end: 9 });
    // Scrolled by 1000 px: the top of the rows seen is at 1000 + 30 - 50 = 980 → row 49,
    // the bottom at 1000 + 230 - 50 = 1180 → row 58.
    expect(visibleRows(1000, m, 300)).toEqual({ start: 49, end: 59 });
    // Past the end: the last rows, never beyond.
    expect(visibleRows(100_000, m, 300)).toEqual({ start: 299, end: 300 });
    expect(visibleRows(0, m, 0)).toEqual({ start: 0, end: 0 });
    expect(visibleRows(0, m, 3)).toEqual({ start: 0, end: 3 });
  });

  it('renders the visible rows and `overscan` more on each side, within the grid', () => {
    expect(rowWindow(1000, m, 300, 10)).toEqual({ start: 39, end: 69 });
    expect(rowWindow(0, m, 300, 10)).toEqual({ start: 0, end: 19 });
    expect(rowWindow(100_000, m, 300, 10)).toEqual({ start: 289, end: 300 });
    expect(rowWindow(0, m, 5, 10)).toEqual({ start: 0, end: 5 });
  });

  it('renders anew only when the visible rows come near the edge of the rendered ones', () => {
    const rendered = { start: 39, end: 69 };
    expect(needsNewWindow(rendered, { start: 49, end: 59 }, 300, 5)).toBe(
      false
    );
    expect(needsNewWindow(rendered, { start: 42, end: 52 }, 300, 5)).toBe(true);
    expect(needsNewWindow(rendered, { start: 60, end: 70 }, 300, 5)).toBe(true);
    // At the top of the grid there is nothing more to render above.
    expect(
      needsNewWindow({ start: 0, end: 19 }, { start: 0, end: 9 }, 300, 5)
    ).toBe(false);
    expect(
      needsNewWindow({ start: 289, end: 300 }, { start: 295, end: 300 }, 300, 5)
    ).toBe(false);
  });

  it('scrolls a row into view clear of the sticky headers, as little as it can', () => {
    // Row 100: 50 + 2000 = 2050 to 2070.
    expect(scrollTopToShow(100, 0, m)).toBe(2070 - 230);
    expect(scrollTopToShow(100, 3000, m)).toBe(2050 - 30);
    expect(scrollTopToShow(100, 1900, m)).toBe(1900); // already seen
    expect(scrollTopToShow(0, 500, m)).toBe(0); // the first row: the caption too
    expect(rowsPerPage(m)).toBe(9); // (230 - 30) / 20 = 10 rows seen, less one
  });

  it('keeps the focused row rendered, with spacers for the rows left out', () => {
    expect(rowRuns({ start: 40, end: 60 }, [5], 300)).toEqual([
      { start: 0, end: 5, rendered: false },
      { start: 5, end: 6, rendered: true },
      { start: 6, end: 40, rendered: false },
      { start: 40, end: 60, rendered: true },
      { start: 60, end: 300, rendered: false }
    ]);
    expect(rowRuns({ start: 0, end: 20 }, [10, 20], 300)).toEqual([
      { start: 0, end: 21, rendered: true },
      { start: 21, end: 300, rendered: false }
    ]);
    expect(rowRuns({ start: 0, end: 3 }, [], 3)).toEqual([
      { start: 0, end: 3, rendered: true }
    ]);
  });

  it('does the same for the columns, right of the sticky learners’ column', () => {
    const c: IColumnMetrics = { columnWidth: 100, headWidth: 150, width: 850 };
    // 700 px for the columns: 0 to 6 at the left edge.
    expect(visibleColumns(0, c, 150)).toEqual({ start: 0, end: 7 });
    expect(visibleColumns(1050, c, 150)).toEqual({ start: 10, end: 18 });
    expect(columnWindow(1050, c, 150, 4)).toEqual({ start: 6, end: 22 });
    expect(columnWindow(0, c, 5, 4)).toEqual({ start: 0, end: 5 });
    // Column 20 spans 2000 to 2100 after the learners' column.
    expect(scrollLeftToShow(20, 0, c)).toBe(150 + 2100 - 850);
    expect(scrollLeftToShow(20, 2500, c)).toBe(2000);
    expect(scrollLeftToShow(20, 1500, c)).toBe(1500);
  });
});

describe('the Classes area of the sidebar', () => {
  function setup(token: string | null, answer: IApiAnswer) {
    const sent: Array<[string, string, unknown]> = [];
    const transport: Transport = async (method, path, body) => {
      sent.push([method, path, body]);
      if (path === '/classes') {
        return { status: 200, data: { items: [] } };
      }
      return answer;
    };
    const api = new ApiClient(transport, () => 'd');
    const said: string[] = [];
    const changed = new Signal<unknown, void>({});
    const context: IClassesContext = {
      announcer: { say: text => said.push(text) },
      api: () => api,
      token: () => token,
      username: () => (token ? 'lin' : null),
      builtinColumns: () => [],
      changed,
      openPanel: () => undefined
    };
    const model = new ClassesModel(context);
    const area = new ClassesArea(model, async () => true);
    document.body.append(area.node);
    return { sent, said, area, changed, model };
  }
  type IApiAnswer = { status: number; data: unknown };
  const flush = () => new Promise(resolve => setTimeout(resolve, 0));
  const click = (root: HTMLElement, label: string) =>
    Array.from(root.querySelectorAll('button'))
      .find(b => b.textContent === label)!
      .click();

  it('knows the classes joined only once the API has listed them for this user', async () => {
    const { model, changed } = setup('tok', { status: 200, data: null });
    expect(model.known).toBe(false);
    changed.emit();
    await flush();
    expect(model.known).toBe(true);
    expect(model.joined).toEqual([]);
    const guest = setup(null, { status: 200, data: null });
    guest.changed.emit();
    await flush();
    expect(guest.model.known).toBe(false);
  });

  it('asks a guest to log in and sends nothing', async () => {
    const { sent, area, changed } = setup(null, { status: 200, data: null });
    changed.emit();
    await flush();
    expect(area.node.textContent).toContain('Log in to join a class.');
    expect(area.node.querySelectorAll('button')).toHaveLength(0);
    expect(sent).toEqual([]);
    area.node.remove();
  });

  it('shows what the teacher sees before sending the code, and joins only on Join', async () => {
    const joined: IClassInfo = {
      ...teacherClass,
      role: 'learner',
      join_code: undefined
    };
    const { sent, said, area, changed } = setup('tok', {
      status: 200,
      data: joined
    });
    changed.emit();
    await flush();
    click(area.node, 'Join a class');
    const input =
      area.node.querySelector<HTMLInputElement>('#pylearn-join-code')!;
    expect(
      area.node.querySelector('label[for="pylearn-join-code"]')?.textContent
    ).toBe('Join code');
    input.value = '7k4m2 xq9rd';
    changed.emit(); // a sync in the meantime does not take the typed code away
    await flush();
    expect(
      area.node.querySelector<HTMLInputElement>('#pylearn-join-code')
    ).toBe(input);
    input.form!.requestSubmit();
    expect(area.node.textContent).toContain('your latest code');
    expect(area.node.textContent).toContain('will not see your email address');
    expect(sent.filter(([, path]) => path === '/classes/join')).toEqual([]);
    click(area.node, 'Join');
    await flush();
    expect(sent).toContainEqual([
      'POST',
      '/classes/join',
      { join_code: '7K4M2-XQ9RD', consent: true }
    ]);
    expect(area.node.textContent).toContain(
      'You joined Python 101 (teacher: grace).'
    );
    expect(said).toContain('You joined Python 101 (teacher: grace).');
    area.node.remove();
  });

  it('says a refusal next to the field, and refuses a malformed code unsent', async () => {
    const { sent, said, area, changed } = setup('tok', {
      status: 404,
      data: { detail: 'No class has this join code.' }
    });
    changed.emit();
    await flush();
    click(area.node, 'Join a class');
    let input =
      area.node.querySelector<HTMLInputElement>('#pylearn-join-code')!;
    input.value = 'abc';
    input.form!.requestSubmit();
    expect(said.at(-1)).toMatch(/10 letters and digits/);
    input = area.node.querySelector<HTMLInputElement>('#pylearn-join-code')!;
    expect(input.getAttribute('aria-invalid')).toBe('true');
    input.value = 'AAAAA-AAAAA';
    input.form!.requestSubmit();
    click(area.node, 'Join');
    await flush();
    expect(sent.filter(([, path]) => path === '/classes/join')).toHaveLength(1);
    expect(
      area.node.querySelector('#pylearn-join-code-error')?.textContent
    ).toMatch(/No class has that join code/);
    expect(said.at(-1)).toMatch(/No class has that join code/);
    area.node.remove();
  });
});
