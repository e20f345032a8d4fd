// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';

vi.mock('@jupyterlab/ui-components', () => ({
  LabIcon: class {
    constructor(readonly options: unknown) {}
  }
}));

import { PyLearnSidebar, SidebarActions, exerciseStatus } from '../src/sidebar';
import { describeSync } from '../src/sync';
import type { FormProblem } from '../src/formerrors';
import type { Catalog, Progress } from '../src/types';

const catalog: Catalog = {
  format: 1,
  chapters: [
    {
      id: 'sample',
      title: 'Sample',
      order: 1,
      intro: null,
      exercises: [
        { id: 'sample.greet', title: 'Greet', path: 'pylearn/sample/sample.greet.ipynb' },
        { id: 'sample.sum', title: 'Sum', path: 'pylearn/sample/sample.sum.ipynb' }
      ]
    }
  ]
};

const user = { id: 'u1', username: 'ada', email: 'ada@example.org', created_at: '2024-01-01T00:00:00Z' };

function progress(id: string, overrides: Partial<Progress> = {}): Progress {
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

function sidebar(overrides: Partial<SidebarActions> = {}) {
  const actions: SidebarActions = {
    openExercise: vi.fn(),
    openIntro: vi.fn(),
    resetExercise: vi.fn(),
    login: vi.fn(async () => null),
    register: vi.fn(async () => null),
    logout: vi.fn(),
    exportData: vi.fn(),
    deleteAccount: vi.fn(),
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
  const found = Array.from(node.querySelectorAll('button')).find(b => b.textContent === text);
  if (!found) {
    throw new Error(`no button ${text}`);
  }
  return found;
}

describe('exercise marks', () => {
  it('test_solution_viewed_is_said_in_words', () => {
    expect(exerciseStatus(progress('a', { solution_viewed: true }))).toMatchObject({
      kind: 'done',
      solution: true,
      spoken: 'done, solution viewed'
    });
    expect(exerciseStatus(progress('a', { completed_at: null })).spoken).toBe('tried, not done yet');
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
    expect(greet.querySelector('.pylearn-mark')?.textContent).toBe('✔ done · solution viewed');
    expect(greet.querySelector('.pylearn-exercise-open')?.getAttribute('aria-label')).toBe(
      'Greet, done, solution viewed. Open the exercise.'
    );
    const sum = node.querySelector('li[data-exercise-id="sample.sum"]')!;
    expect(sum.textContent).not.toContain('solution viewed');
    widget.dispose();
  });
});

describe('signing in', () => {
  it('test_while_signing_in_the_sidebar_does_not_claim_guest_or_logged_in', () => {
    const { widget, node } = sidebar();
    const guestProgress = new Map([['sample.greet', progress('sample.greet')]]);
    const sync = { kind: 'signing-in', username: 'ada', choosing: true } as const;
    widget.setView({ progress: guestProgress, user: null, sync });
    const account = node.querySelector('.pylearn-account')!.textContent ?? '';
    const status = node.querySelector('.pylearn-sync')!.textContent ?? '';
    expect(account).toContain('Signing in as ada…');
    expect(account).not.toContain('guest');
    expect(status).toBe(describeSync(sync));
    expect(status).toContain('Signing in as ada');
    expect(status).not.toContain('Guest:');
    // The progress shown is the guest's until the learner has chosen.
    expect(node.querySelector('li[data-exercise-id="sample.greet"]')?.textContent).toContain('✔ done');

    widget.setView({ user, sync: { kind: 'synced' } });
    expect(node.querySelector('.pylearn-account')!.textContent).toContain('Logged in as ada');
    widget.dispose();
  });
});

describe('account forms', () => {
  it('test_refusals_are_shown_next_to_their_fields_and_announced', async () => {
    const problem: FormProblem = {
      message: null,
      fields: { password: 'Your password needs at least 8 characters.' }
    };
    const { node, widget, actions } = sidebar({ register: vi.fn(async () => problem) });
    button(node, 'Create account').click();
    const form = node.querySelector<HTMLFormElement>('form.pylearn-form-register')!;
    const input = (name: string) => form.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
    input('username').value = 'ada';
    input('email').value = 'ada@example.org';
    input('password').value = 'short';
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    await flush();
    expect(actions.register).toHaveBeenCalledWith('ada', 'ada@example.org', 'short');
    const password = input('password');
    const note = form.querySelector(`#${password.getAttribute('aria-describedby')}`);
    expect(note?.textContent).toBe('Your password needs at least 8 characters.');
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(input('username').hasAttribute('aria-invalid')).toBe(false);
    expect(form.querySelector('[role="alert"].pylearn-form-alert')?.textContent).toBe(
      'Your password needs at least 8 characters.'
    );
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
      login: vi.fn(async () => ({ message: 'That username or email and password do not match an account.', fields: {} }))
    });
    button(node, 'Log in').click();
    const form = node.querySelector<HTMLFormElement>('form.pylearn-form-login')!;
    form.dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    await flush();
    expect(form.querySelector('.pylearn-error')?.getAttribute('role')).toBe('alert');
    expect(form.querySelector('.pylearn-error')?.textContent).toMatch(/do not match/);
    expect(form.querySelector('[aria-invalid]')).toBeNull();
    widget.dispose();
  });
});
