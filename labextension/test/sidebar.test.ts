// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';

vi.mock('@jupyterlab/ui-components', () => ({
  LabIcon: class {
    constructor(readonly options: unknown) {}
  }
}));

import { Announcer, ANNOUNCER_ID, KEEP } from '../src/announcer';
import {
  PyLearnSidebar,
  ISidebarActions,
  exerciseStatus
} from '../src/sidebar';
import { describeSync } from '../src/sync';
import type { IFormProblem } from '../src/formerrors';
import type { ICatalog, IProgress } from '../src/types';

const catalog: ICatalog = {
  format: 1,
  chapters: [
    {
      id: 'sample',
      title: 'Sample',
      order: 1,
      intro: null,
      exercises: [
        {
          id: 'sample.greet',
          title: 'Greet',
          path: 'pylearn/sample/sample.greet.ipynb'
        },
        {
          id: 'sample.sum',
          title: 'Sum',
          path: 'pylearn/sample/sample.sum.ipynb'
        }
      ]
    },
    {
      id: 'loops',
      title: 'Loops',
      order: 2,
      intro: null,
      exercises: [
        {
          id: 'loops.count',
          title: 'Count',
          path: 'pylearn/loops/loops.count.ipynb'
        }
      ]
    }
  ]
};

/** What a screen reader reads for `node`: its text without the aria-hidden parts. */
function spokenText(node: Element): string {
  const copy = node.cloneNode(true) as Element;
  copy
    .querySelectorAll('[aria-hidden="true"]')
    .forEach(hidden => hidden.remove());
  return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function announced(): string {
  return document.getElementById(ANNOUNCER_ID)?.textContent ?? '';
}

function key(target: Element, name: string): void {
  target.dispatchEvent(
    new KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true })
  );
}

const user = {
  id: 'u1',
  username: 'ada',
  email: 'ada@example.org',
  created_at: '2024-01-01T00:00:00Z'
};

function progress(id: string, overrides: Partial<IProgress> = {}): IProgress {
  return {
    exercise_id: id,
    completed_at: '2024-01-01T10:00:00Z',
    attempts: 1,
    last_code: 'x',
    last_submitted_at: '2024-01-01T10:00:00Z',
    solution_viewed: false,
    ...overrides
  };
}

function sidebar(overrides: Partial<ISidebarActions> = {}) {
  const actions: ISidebarActions = {
    openExercise: vi.fn(),
    openIntro: vi.fn(),
    resetExercise: vi.fn(),
    login: vi.fn(async () => null),
    register: vi.fn(async () => null),
    requestReset: vi.fn(async () => null),
    resetPage: () => '/pylearn/reset-password',
    logout: vi.fn(),
    exportData: vi.fn(),
    deleteAccount: vi.fn(),
    forgetGuest: vi.fn(),
    retryCourse: vi.fn(),
    ...overrides
  };
  const widget = new PyLearnSidebar(actions);
  document.body.append(widget.node);
  widget.setView({ catalog, accountsUnavailable: null });
  return { widget, node: widget.node, actions };
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

function button(node: HTMLElement, text: string): HTMLButtonElement {
  const found = Array.from(node.querySelectorAll('button')).find(
    b => b.textContent === text
  );
  if (!found) {
    throw new Error(`no button ${text}`);
  }
  return found;
}

describe('exercise marks', () => {
  it('test_solution_viewed_is_said_in_words', () => {
    expect(
      exerciseStatus(progress('a', { solution_viewed: true }))
    ).toMatchObject({
      kind: 'done',
      solution: true,
      spoken: 'done, solution viewed'
    });
    expect(exerciseStatus(progress('a', { completed_at: null })).spoken).toBe(
      'tried, not done yet'
    );
    expect(exerciseStatus(undefined).mark).toBe('○ to do');
  });

  it('test_the_sidebar_shows_solution_viewed_next_to_the_mark', () => {
    const { widget, node } = sidebar();
    widget.setView({
      progress: new Map([
        ['sample.greet', progress('sample.greet', { solution_viewed: true })],
        ['sample.sum', progress('sample.sum')]
      ])
    });
    const greet = node.querySelector('li[data-exercise-id="sample.greet"]')!;
    expect(greet.querySelector('.pylearn-mark')?.textContent).toBe(
      '✔ done · solution viewed'
    );
    // The button is named by its visible text (no aria-label that could differ from it).
    const open = greet.querySelector('.pylearn-exercise-open')!;
    expect(open.hasAttribute('aria-label')).toBe(false);
    expect(spokenText(open)).toBe('Greet, done solution viewed');
    const sum = node.querySelector('li[data-exercise-id="sample.sum"]')!;
    expect(sum.textContent).not.toContain('solution viewed');
    widget.dispose();
  });
});

describe('signing in', () => {
  it('test_while_signing_in_the_sidebar_does_not_claim_guest_or_logged_in', () => {
    const { widget, node } = sidebar();
    const guestProgress = new Map([['sample.greet', progress('sample.greet')]]);
    const sync = {
      kind: 'signing-in',
      username: 'ada',
      choosing: true
    } as const;
    widget.setView({ progress: guestProgress, user: null, sync });
    const account = node.querySelector('.pylearn-account')!.textContent ?? '';
    const status = node.querySelector('.pylearn-sync')!.textContent ?? '';
    expect(account).toContain('Signing in as ada…');
    expect(account).not.toContain('guest');
    expect(status).toBe(describeSync(sync));
    expect(status).toContain('Signing in as ada');
    expect(status).not.toContain('Guest:');
    // The progress shown is the guest's until the learner has chosen.
    expect(
      node.querySelector('li[data-exercise-id="sample.greet"]')?.textContent
    ).toContain('✔ done');

    widget.setView({ user, sync: { kind: 'synced' } });
    expect(node.querySelector('.pylearn-account')!.textContent).toContain(
      'Logged in as ada'
    );
    widget.dispose();
  });
});

describe('account forms', () => {
  it('test_refusals_are_shown_next_to_their_fields_and_announced', async () => {
    const problem: IFormProblem = {
      message: null,
      fields: { password: 'Your password needs at least 8 characters.' }
    };
    const { node, widget, actions } = sidebar({
      register: vi.fn(async () => problem)
    });
    button(node, 'Create account').click();
    const form = node.querySelector<HTMLFormElement>(
      'form.pylearn-form-register'
    )!;
    const input = (name: string) =>
      form.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
    input('username').value = 'ada';
    input('email').value = 'ada@example.org';
    input('password').value = 'short';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    await flush();
    expect(actions.register).toHaveBeenCalledWith(
      'ada',
      'ada@example.org',
      'short'
    );
    const password = input('password');
    const note = form.querySelector(
      `#${password.getAttribute('aria-describedby')}`
    );
    expect(note?.textContent).toBe(
      'Your password needs at least 8 characters.'
    );
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(input('username').hasAttribute('aria-invalid')).toBe(false);
    expect(announced()).toContain('Your password needs at least 8 characters.');
    expect(form.querySelector('[role="alert"], [aria-live]')).toBeNull();
    expect(document.activeElement).toBe(password);
    expect(form.textContent).not.toContain('String should');

    // A second try that succeeds closes the form.
    (actions.register as ReturnType<typeof vi.fn>).mockResolvedValueOnce(null);
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    await flush();
    expect(node.querySelector('form.pylearn-form-register')).toBeNull();
    widget.dispose();
  });

  it('test_a_general_refusal_is_one_alert', async () => {
    const { node, widget } = sidebar({
      login: vi.fn(async () => ({
        message: 'That username or email and password do not match an account.',
        fields: {}
      }))
    });
    button(node, 'Log in').click();
    const form = node.querySelector<HTMLFormElement>(
      'form.pylearn-form-login'
    )!;
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    await flush();
    expect(form.querySelector('.pylearn-form-error')?.textContent).toMatch(
      /do not match/
    );
    expect(form.querySelector('.pylearn-error')).toBeNull();
    expect(announced()).toMatch(/do not match/);
    expect(form.querySelector('[aria-invalid]')).toBeNull();
    widget.dispose();
  });
});

describe('forgot password', () => {
  it('test_forgot_password_asks_for_a_mail_then_says_what_comes_next', async () => {
    const { node, widget, actions } = sidebar();
    button(node, 'Log in').click();
    button(node, 'Forgot password?').click();
    expect(node.querySelector('form.pylearn-form-login')).toBeNull();
    const form = node.querySelector<HTMLFormElement>(
      'form.pylearn-form-forgot'
    )!;
    const email = form.querySelector<HTMLInputElement>('input[name="email"]')!;
    expect(document.activeElement).toBe(email);
    expect(form.querySelector(`label[for="${email.id}"]`)?.textContent).toBe(
      'Email of your account'
    );
    email.value = 'ada@example.org';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    await flush();
    await new Promise(resolve => requestAnimationFrame(resolve));
    expect(actions.requestReset).toHaveBeenCalledWith('ada@example.org');
    expect(node.querySelector('form.pylearn-form-forgot')).toBeNull();
    const note = node.querySelector('.pylearn-reset-asked')!;
    expect(note.textContent).toContain('If an account uses that address');
    const link = note.querySelector<HTMLAnchorElement>('a')!;
    expect(link.getAttribute('href')).toBe('/pylearn/reset-password');
    expect(document.activeElement).toBe(link);
    expect(announced()).toContain('a mail is on its way');
    widget.dispose();
  });

  it('test_a_refused_address_is_said_next_to_the_field', async () => {
    const { node, widget } = sidebar({
      requestReset: vi.fn(async () => ({
        message: null,
        fields: { email: 'Enter a valid email address, like ada@example.org.' }
      }))
    });
    button(node, 'Log in').click();
    button(node, 'Forgot password?').click();
    const form = node.querySelector<HTMLFormElement>(
      'form.pylearn-form-forgot'
    )!;
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    await flush();
    const email = form.querySelector<HTMLInputElement>('input[name="email"]')!;
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(node.querySelector('.pylearn-reset-asked')).toBeNull();
    widget.dispose();
  });
});

describe('keyboard and structure', () => {
  it('test_account_comes_before_the_course_and_closes_once_logged_in', () => {
    const { widget, node } = sidebar();
    const sections = Array.from(node.children).map(child => child.className);
    expect(sections.indexOf('pylearn-account')).toBeLessThan(
      sections.indexOf('pylearn-course')
    );
    const toggle = () =>
      node.querySelector<HTMLButtonElement>('.pylearn-account-toggle')!;
    expect(toggle().getAttribute('aria-expanded')).toBe('true'); // a guest sees Log in at once
    widget.setView({ user, sync: { kind: 'synced' } });
    expect(toggle().getAttribute('aria-expanded')).toBe('false');
    expect(toggle().textContent).toContain('Account: ada');
    expect(
      node.querySelector<HTMLElement>('#pylearn-account-body')!.hidden
    ).toBe(true);
    toggle().click();
    expect(toggle().getAttribute('aria-expanded')).toBe('true');
    expect(
      node.querySelector<HTMLElement>('#pylearn-account-body')!.hidden
    ).toBe(false);
    expect(button(node, 'Log out')).toBeTruthy();
    widget.dispose();
  });

  it('test_forget_guest_progress_is_a_button_offered_once_the_account_has_it', () => {
    const forgetGuest = vi.fn(() =>
      made.widget.setView({ guestUploaded: false })
    );
    const made = sidebar({ forgetGuest });
    const { node, widget } = made;
    const offer = () =>
      Array.from(node.querySelectorAll('button')).find(
        b => b.textContent === 'Forget guest progress on this browser'
      );
    // A guest, or an account without the guest progress: nothing to forget.
    widget.setView({ guestUploaded: false });
    expect(offer()).toBeUndefined();
    widget.setView({ user, sync: { kind: 'synced' }, guestUploaded: false });
    expect(offer()).toBeUndefined();
    // Uploaded: offered, visible even with the account area closed, a real button.
    widget.setView({ guestUploaded: true });
    const forget = offer()!;
    expect(forget).toBeTruthy();
    expect(forget.type).toBe('button');
    expect(forget.closest('[hidden]')).toBeNull();
    expect(
      node.querySelector('#pylearn-account-body')!.hasAttribute('hidden')
    ).toBe(true);
    const note = document.getElementById(
      forget.getAttribute('aria-describedby')!
    );
    expect(note?.textContent).toContain('in your account now');
    forget.focus();
    forget.click();
    expect(forgetGuest).toHaveBeenCalledTimes(1);
    expect(offer()).toBeUndefined();
    // The keyboard stays in the account area instead of falling to the page.
    expect(document.activeElement?.getAttribute('data-focus-key')).toBe(
      'account-toggle'
    );
    widget.dispose();
  });

  it('test_the_course_is_one_tab_stop_with_arrow_keys_inside', () => {
    const { widget, node } = sidebar();
    const stops = () =>
      Array.from(
        node.querySelectorAll<HTMLElement>('.pylearn-course button')
      ).filter(b => b.tabIndex === 0);
    expect(stops().map(b => b.dataset.focusKey)).toEqual(['chapter:sample']);
    const first = stops()[0];
    first.focus();
    key(first, 'ArrowDown');
    expect((document.activeElement as HTMLElement).dataset.focusKey).toBe(
      'open:sample.greet'
    );
    expect(stops().map(b => b.dataset.focusKey)).toEqual(['open:sample.greet']);
    key(document.activeElement!, 'ArrowRight');
    expect((document.activeElement as HTMLElement).dataset.focusKey).toBe(
      'reset:sample.greet'
    );
    key(document.activeElement!, 'ArrowLeft');
    key(document.activeElement!, 'End');
    expect((document.activeElement as HTMLElement).dataset.focusKey).toBe(
      'open:loops.count'
    );
    key(document.activeElement!, 'ArrowLeft'); // from an exercise to its chapter
    expect((document.activeElement as HTMLElement).dataset.focusKey).toBe(
      'chapter:loops'
    );
    key(document.activeElement!, 'ArrowLeft'); // closes the chapter
    const loops = node.querySelector<HTMLElement>(
      '[data-focus-key="chapter:loops"]'
    )!;
    expect(loops.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(loops);
    expect(
      node
        .querySelector<HTMLElement>('li[data-exercise-id="loops.count"]')!
        .closest('[hidden]')
    ).not.toBeNull();
    key(loops, 'ArrowDown'); // nothing below a closed last chapter
    expect(document.activeElement).toBe(loops);
    key(loops, 'ArrowRight'); // opens it again
    expect(
      loops.isConnected
        ? loops
        : node.querySelector('[data-focus-key="chapter:loops"]')
    ).toBeTruthy();
    expect(
      node
        .querySelector('[data-focus-key="chapter:loops"]')!
        .getAttribute('aria-expanded')
    ).toBe('true');
    // The tab stop stays on a chapter whose current exercise was closed away.
    key(document.activeElement!, 'ArrowDown');
    expect((document.activeElement as HTMLElement).dataset.focusKey).toBe(
      'open:loops.count'
    );
    key(document.activeElement!, 'ArrowLeft');
    key(document.activeElement!, 'ArrowLeft');
    (document.activeElement as HTMLElement).blur();
    expect(stops().map(b => b.dataset.focusKey)).toEqual(['chapter:loops']);
    key(node.querySelector('[data-focus-key="chapter:loops"]')!, 'Home');
    expect((document.activeElement as HTMLElement).dataset.focusKey).toBe(
      'chapter:sample'
    );
    widget.dispose();
  });

  it('test_sync_changes_are_said_in_the_one_live_region', () => {
    const { widget, node } = sidebar();
    expect(
      node.querySelector('[role="status"], [aria-live], [role="alert"]')
    ).toBeNull();
    widget.setView({ sync: { kind: 'waiting', waiting: 2 } });
    expect(announced()).toContain('2 waiting to sync.');
    expect(document.querySelectorAll(`#${ANNOUNCER_ID}`)).toHaveLength(1);
    widget.setView({ sync: { kind: 'synced' } });
    expect(announced()).toContain('Synced with your account.');
    expect(announced()).not.toContain('✔');
    widget.dispose();
  });
});

describe('announcer', () => {
  it('test_each_announcement_node_is_read_once', () => {
    const announcer = new Announcer();
    const region = document.getElementById(ANNOUNCER_ID)!;
    expect(region.getAttribute('aria-live')).toBe('polite');
    const output = document.createElement('div');
    output.innerHTML =
      '<div data-pylearn-announce="Not yet: 2 of 3 tests passed." data-pylearn-id="a1">x</div>';
    announcer.scan(output);
    announcer.scan(output); // the same panel drawn again: nothing new
    expect(announcer.text().filter(t => t.startsWith('Not yet'))).toHaveLength(
      1
    );
    output.innerHTML =
      '<div data-pylearn-announce="Not yet: 2 of 3 tests passed." data-pylearn-id="a2">x</div>';
    announcer.scan(output); // a new check with the same verdict is said again
    expect(announcer.text().filter(t => t.startsWith('Not yet'))).toHaveLength(
      2
    );
    for (let n = 1; n <= KEEP + 2; n++) {
      announcer.say(`message ${n}`);
    }
    expect(announcer.text()).toHaveLength(KEEP);
    expect(announcer.text()[0]).toBe('message 3');
    expect(announcer.text()[KEEP - 1]).toBe(`message ${KEEP + 2}`);
  });
});

describe('course errors', () => {
  it('test_a_course_error_is_said_once_with_a_retry_button', () => {
    const { widget, node, actions } = sidebar();
    const region = document.getElementById(ANNOUNCER_ID)!;
    region.replaceChildren();
    widget.setView({ courseError: 'The course could not be loaded.' });
    widget.setView({ progress: new Map() }); // re-rendered: nothing said again
    expect(Array.from(region.children).map(c => c.textContent)).toEqual([
      'The course could not be loaded.'
    ]);
    const retry = button(node, 'Try again');
    expect(retry.tabIndex).toBe(0);
    retry.click();
    expect(actions.retryCourse).toHaveBeenCalled();
    widget.dispose();
  });
});
