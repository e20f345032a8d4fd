/**
 * The PyLearn sidebar: the account area, the course with progress, and the sync status.
 * Plain DOM in a Lumino widget; every state is told in words as well as marks or colour.
 *
 * Keyboard: the account comes first (collapsed once logged in), then the course, which is
 * one tab stop: ↑ ↓ move through chapters and exercises, ← → close and open a chapter (or
 * go from an exercise to its reset button and back), Home / End go to the first / last.
 * Everything the sidebar says goes through the page's one live region (the Announcer).
 */
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { Announcer } from './announcer';
import { AuthForm, IFormProblem, problemSentences } from './formerrors';
import type { IProgress, IUser } from './types';
import type { ICatalog, ICatalogChapter, ICatalogExercise } from './types';
import { SyncState, describeSync } from './sync';
import type { IPyLearnAnnouncer } from './tokens';
import { Children, h } from './dom';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
<path class="jp-icon3" fill="#616161" d="M12 3 1 9l11 6 9-4.9V17h2V9L12 3zm-7 9.2v4L12 20l7-3.8v-4L12 16l-7-3.8z"/>
</svg>`;

export const pylearnIcon = new LabIcon({
  name: 'pylearn-jupyter:icon',
  svgstr: ICON_SVG
});

export interface ISidebarActions {
  openExercise(exercise: ICatalogExercise): void;
  openIntro(chapter: ICatalogChapter): void;
  resetExercise(exercise: ICatalogExercise): void;
  /** Resolves with what went wrong (shown next to the fields), or null once logged in. */
  login(login: string, password: string): Promise<IFormProblem | null>;
  register(
    username: string,
    email: string,
    password: string
  ): Promise<IFormProblem | null>;
  /** Asks for a password reset mail; resolves with what went wrong, or null once asked. */
  requestReset(email: string): Promise<IFormProblem | null>;
  /** The page the reset mail links to, where the code from the mail can be pasted too. */
  resetPage(): string | null;
  logout(): void;
  exportData(): void;
  deleteAccount(): void;
  /** Removes the guest progress of this browser (offered once the account has all of it). */
  forgetGuest(): void;
  retryCourse(): void;
}

export interface ISidebarView {
  catalog: ICatalog | null;
  courseError: string | null;
  progress: Map<string, IProgress>;
  user: IUser | null;
  accountsUnavailable: string | null;
  sync: SyncState;
  /** Logged in, and this browser's guest progress was uploaded to the account in full. */
  guestUploaded: boolean;
}

const RESET_ASKED =
  'If an account uses that address, a mail is on its way. Open its link within one hour to choose a new password.';

export function isDone(progress: Map<string, IProgress>, id: string): boolean {
  return Boolean(progress.get(id)?.completed_at);
}

/** An exercise's state in words: the visible mark and the phrase for screen readers. */
export function exerciseStatus(p: IProgress | undefined): {
  kind: 'done' | 'tried' | 'todo';
  mark: string;
  solution: boolean;
  spoken: string;
} {
  const done = Boolean(p?.completed_at);
  const tried = !done && p !== undefined && p.attempts > 0;
  const solution = Boolean(p?.solution_viewed);
  const kind = done ? 'done' : tried ? 'tried' : 'todo';
  const mark = done ? '✔ done' : tried ? '… tried' : '○ to do';
  const state = done ? 'done' : tried ? 'tried, not done yet' : 'not done yet';
  return {
    kind,
    mark,
    solution,
    spoken: solution ? `${state}, solution viewed` : state
  };
}

export function progressBar(
  done: number,
  total: number,
  label: string
): HTMLElement {
  const percent = total ? Math.round((done / total) * 100) : 0;
  const bar = h(
    'div',
    {
      className: 'pylearn-progressbar',
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': total,
      'aria-valuenow': done,
      'aria-valuetext': `${done} of ${total} done`,
      'aria-label': label
    },
    [h('div', { className: 'pylearn-progressbar-fill' })]
  );
  (bar.firstChild as HTMLElement).style.width = `${percent}%`;
  return h('div', { className: 'pylearn-progress' }, [
    bar,
    h('span', { className: 'pylearn-progress-text' }, [
      `${done} of ${total} done`
    ])
  ]);
}

/** What a course's list does when an entry is chosen (absent: the entry is not offered). */
export interface ICourseTreeActions {
  openExercise(exercise: ICatalogExercise, chapter: ICatalogChapter): void;
  openIntro?(chapter: ICatalogChapter): void;
  resetExercise?(exercise: ICatalogExercise): void;
}

function keyedButton(
  className: string,
  focusKey: string,
  children: Children,
  onClick: () => void
): HTMLButtonElement {
  const button = h(
    'button',
    { className, type: 'button', 'data-focus-key': focusKey },
    children
  );
  button.addEventListener('click', onClick);
  return button;
}

/**
 * A course's chapters and exercises with their done marks: the built-in course in the
 * sidebar, and each class's uploaded course. One tab stop; ↑ ↓ move through chapters and
 * exercises, ← → close and open a chapter (or go from an exercise to its reset button and
 * back), Home / End go to the first / last. Focus keys and chapter ids must be unique in
 * the page (a class's course uses its `class:` ids).
 */
export class CourseTree {
  readonly node: HTMLElement;
  private chapters: ICatalogChapter[] = [];
  private progress = new Map<string, IProgress>();
  private readonly collapsed = new Set<string>();
  /** The item that has the course's one tab stop (its focus key). */
  private current = '';
  private readonly headingTag: 'h3' | 'h4';

  constructor(
    private readonly actions: ICourseTreeActions,
    options: { headingLevel?: 3 | 4; className?: string } = {}
  ) {
    this.headingTag = options.headingLevel === 4 ? 'h4' : 'h3';
    this.node = h('div', {
      className: options.className ?? 'pylearn-chapters'
    });
    this.node.addEventListener('keydown', event => this.onCourseKey(event));
    this.node.addEventListener('focusin', event => {
      const key = (event.target as HTMLElement | null)?.dataset?.focusKey;
      if (key) {
        this.current = key;
        this.updateTabStops();
      }
    });
  }

  /** Shows `chapters` (in the order given) with the done marks of `progress`. */
  render(chapters: ICatalogChapter[], progress: Map<string, IProgress>): void {
    this.chapters = chapters;
    this.progress = progress;
    this.draw();
  }

  /** Shows sentences (and buttons) instead of chapters: loading, an error, a retry. */
  showMessage(...nodes: HTMLElement[]): void {
    this.chapters = [];
    this.node.replaceChildren(...nodes);
    this.updateTabStops();
  }

  private draw(): void {
    const focused = this.node.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset?.focusKey
      : undefined;
    this.node.replaceChildren(
      ...this.chapters.map(chapter => this.renderChapter(chapter))
    );
    this.updateTabStops();
    if (focused) {
      this.node
        .querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focused)}"]`)
        ?.focus();
    }
  }

  /** The course's buttons that can be reached now (not inside a closed chapter). */
  private courseItems(): HTMLElement[] {
    return Array.from(
      this.node.querySelectorAll<HTMLElement>('button[data-focus-key]')
    ).filter(item => !item.closest('[hidden]'));
  }

  /** One tab stop for the whole course: the current item; arrow keys move between items. */
  private updateTabStops(): void {
    const items = this.courseItems();
    // The current item, else (inside a closed chapter) its chapter, else the first item.
    const remembered = this.node.querySelector<HTMLElement>(
      `button[data-focus-key="${CSS.escape(this.current)}"]`
    );
    const current =
      items.find(item => item === remembered) ??
      items.find(
        item => item === this.chapterToggleOf(remembered ?? undefined)
      ) ??
      items[0];
    for (const item of items) {
      item.tabIndex = item === current ? 0 : -1;
    }
    for (const hidden of Array.from(
      this.node.querySelectorAll<HTMLElement>('[hidden] button')
    )) {
      hidden.tabIndex = -1;
    }
  }

  private chapterToggleOf(
    item: HTMLElement | undefined
  ): HTMLElement | undefined {
    return (
      item
        ?.closest('.pylearn-chapter')
        ?.querySelector<HTMLElement>('.pylearn-chapter-toggle') ?? undefined
    );
  }

  private focusItem(item: HTMLElement | undefined | null): void {
    if (!item) {
      return;
    }
    this.current = item.dataset.focusKey ?? '';
    this.updateTabStops();
    item.focus();
  }

  private setChapterOpen(chapterId: string, open: boolean): void {
    if (open === !this.collapsed.has(chapterId)) {
      return;
    }
    if (open) {
      this.collapsed.delete(chapterId);
    } else {
      this.collapsed.add(chapterId);
    }
    this.draw();
    this.focusItem(
      this.node.querySelector<HTMLElement>(
        `[data-focus-key="${CSS.escape(`chapter:${chapterId}`)}"]`
      )
    );
  }

  private onCourseKey(event: KeyboardEvent): void {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const target = event.target as HTMLElement;
    const key = target.dataset?.focusKey;
    if (!key) {
      return;
    }
    const items = this.courseItems();
    const rows = items.filter(
      item => !item.classList.contains('pylearn-exercise-reset')
    );
    const row = target.classList.contains('pylearn-exercise-reset')
      ? (target.parentElement?.querySelector<HTMLElement>(
          '.pylearn-exercise-open'
        ) ?? target)
      : target;
    const index = rows.indexOf(row);
    const chapterId = target.dataset.chapterId ?? '';
    let handled = true;
    switch (event.key) {
      case 'ArrowDown':
        this.focusItem(rows[Math.min(rows.length - 1, index + 1)]);
        break;
      case 'ArrowUp':
        this.focusItem(rows[Math.max(0, index - 1)]);
        break;
      case 'Home':
        this.focusItem(rows[0]);
        break;
      case 'End':
        this.focusItem(rows[rows.length - 1]);
        break;
      case 'ArrowRight':
        if (target.classList.contains('pylearn-chapter-toggle')) {
          if (this.collapsed.has(chapterId)) {
            this.setChapterOpen(chapterId, true);
          } else {
            this.focusItem(rows[index + 1]);
          }
        } else if (target.classList.contains('pylearn-exercise-open')) {
          this.focusItem(
            target.parentElement?.querySelector<HTMLElement>(
              '.pylearn-exercise-reset'
            )
          );
        }
        break;
      case 'ArrowLeft':
        if (target.classList.contains('pylearn-chapter-toggle')) {
          this.setChapterOpen(chapterId, false);
        } else if (target.classList.contains('pylearn-exercise-reset')) {
          this.focusItem(row);
        } else {
          this.focusItem(this.chapterToggleOf(target));
        }
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  private renderChapter(chapter: ICatalogChapter): HTMLElement {
    const progress = this.progress;
    const done = chapter.exercises.filter(ex => isDone(progress, ex.id)).length;
    const safeId = chapter.id.replace(/[^a-zA-Z0-9_-]/g, '_');
    const headingId = `pylearn-chapter-${safeId}`;
    const bodyId = `pylearn-chapter-body-${safeId}`;
    const open = !this.collapsed.has(chapter.id);
    const toggle = this.button(
      'pylearn-chapter-toggle',
      `chapter:${chapter.id}`,
      [
        h('span', { className: 'pylearn-chevron', 'aria-hidden': 'true' }, [
          open ? '▾' : '▸'
        ]),
        h('span', {}, [chapter.title])
      ],
      () => this.setChapterOpen(chapter.id, !open)
    );
    toggle.setAttribute('aria-expanded', String(open));
    toggle.setAttribute('aria-controls', bodyId);
    toggle.dataset.chapterId = chapter.id;
    const openIntro = this.actions.openIntro;
    const intro =
      chapter.intro && openIntro
        ? this.button(
            'pylearn-intro',
            `intro:${chapter.id}`,
            ['Introduction'],
            () => openIntro(chapter)
          )
        : null;
    if (intro) {
      intro.setAttribute('aria-label', `Introduction to ${chapter.title}`);
    }
    if (intro) {
      intro.dataset.chapterId = chapter.id;
    }
    const body = h(
      'div',
      { id: bodyId, className: 'pylearn-chapter-body', hidden: !open },
      [
        intro,
        h(
          'ul',
          {
            className: 'pylearn-exercises',
            'aria-label': `Exercises of ${chapter.title}`
          },
          chapter.exercises.map(ex => this.renderExercise(ex, chapter))
        )
      ]
    );
    return h(
      'section',
      { className: 'pylearn-chapter', 'aria-labelledby': headingId },
      [
        h(
          this.headingTag,
          { id: headingId, className: 'pylearn-chapter-title' },
          [toggle]
        ),
        progressBar(
          done,
          chapter.exercises.length,
          `Progress in ${chapter.title}`
        ),
        body
      ]
    );
  }

  private renderExercise(
    exercise: ICatalogExercise,
    chapter: ICatalogChapter
  ): HTMLElement {
    const status = exerciseStatus(this.progress.get(exercise.id));
    const done = status.kind === 'done';
    // The button's name is its visible text (no aria-label: speech users say what they see).
    // The mark's symbol is hidden from screen readers; its words are read.
    const [symbol, ...words] = status.mark.split(' ');
    const mark = h(
      'span',
      { className: `pylearn-mark pylearn-mark-${status.kind}` },
      [
        h('span', { className: 'pylearn-mark-text' }, [
          h('span', { 'aria-hidden': 'true' }, [`${symbol} `]),
          words.join(' ')
        ]),
        status.solution
          ? h('span', { className: 'pylearn-mark-solution' }, [
              ' ',
              h('span', { 'aria-hidden': 'true' }, ['·']),
              ' solution viewed'
            ])
          : null
      ]
    );
    const open = this.button(
      'pylearn-exercise-open',
      `open:${exercise.id}`,
      [
        h('span', { className: 'pylearn-exercise-title' }, [exercise.title]),
        h('span', { className: 'pylearn-visually-hidden' }, [', ']),
        mark
      ],
      () => this.actions.openExercise(exercise, chapter)
    );
    open.dataset.chapterId = chapter.id;
    const resetExercise = this.actions.resetExercise;
    const reset = resetExercise
      ? this.button(
          'pylearn-exercise-reset',
          `reset:${exercise.id}`,
          ['↺'],
          () => resetExercise(exercise)
        )
      : null;
    if (reset) {
      reset.setAttribute('aria-label', `Reset “${exercise.title}” to original`);
      reset.dataset.chapterId = chapter.id;
      reset.title = 'Reset to original (your version is kept as a copy)';
    }
    return h(
      'li',
      {
        className: `pylearn-exercise${done ? ' pylearn-done' : ''}`,
        'data-exercise-id': exercise.id
      },
      [open, reset]
    );
  }

  private button(
    className: string,
    focusKey: string,
    children: Children,
    onClick: () => void
  ): HTMLButtonElement {
    return keyedButton(className, focusKey, children, onClick);
  }
}

export class PyLearnSidebar extends Widget {
  private view: ISidebarView = {
    catalog: null,
    courseError: null,
    progress: new Map(),
    user: null,
    accountsUnavailable: null,
    sync: { kind: 'guest' },
    guestUploaded: false
  };
  private readonly overall: HTMLElement;
  private readonly course: HTMLElement;
  private readonly tree: CourseTree;
  private readonly account: HTMLElement;
  private readonly status: HTMLElement;
  private readonly announcer: IPyLearnAnnouncer;
  private accountKey = '';
  private form: 'none' | 'login' | 'register' | 'forgot' = 'none';
  /** What the account area says after a reset mail was asked for (until the next form). */
  private resetAsked = false;
  /** Whether the account area is open; null: open for a guest, closed when logged in. */
  private accountOpen: boolean | null = null;

  constructor(
    private readonly actions: ISidebarActions,
    announcer?: IPyLearnAnnouncer
  ) {
    super();
    this.id = 'pylearn-sidebar';
    this.addClass('pylearn-sidebar');
    this.title.icon = pylearnIcon;
    this.title.caption = 'PyLearn';
    this.title.label = 'PyLearn';
    this.announcer = announcer ?? new Announcer();
    this.overall = h('section', {
      className: 'pylearn-overall',
      'aria-label': 'Overall progress'
    });
    this.tree = new CourseTree({
      openExercise: exercise => this.actions.openExercise(exercise),
      openIntro: chapter => this.actions.openIntro(chapter),
      resetExercise: exercise => this.actions.resetExercise(exercise)
    });
    this.course = h(
      'nav',
      { className: 'pylearn-course', 'aria-label': 'PyLearn course' },
      [
        h(
          'p',
          { className: 'pylearn-note pylearn-keys', id: 'pylearn-course-keys' },
          ['Keys: ↑ ↓ move through the course, ← → close or open a chapter.']
        ),
        this.tree.node
      ]
    );
    this.account = h('section', {
      className: 'pylearn-account',
      'aria-labelledby': 'pylearn-account-heading'
    });
    this.status = h('div', { className: 'pylearn-sync' });
    this.node.append(
      h('h2', { className: 'pylearn-title' }, ['PyLearn']),
      this.account,
      this.overall,
      this.course,
      this.status
    );
    this.render();
  }

  /** Adds an area below the account area (the Classes area of the classes plugin). */
  addArea(node: HTMLElement): void {
    this.account.after(node);
  }

  /** Says something to screen readers, through the page's one live region. */
  announce(message: string): void {
    this.announcer.say(message);
  }

  setView(view: Partial<ISidebarView>): void {
    const before = this.view;
    this.view = { ...this.view, ...view };
    if (
      view.user !== undefined &&
      (view.user?.id ?? null) !== (before.user?.id ?? null)
    ) {
      this.accountOpen = null; // logging in closes the account area, logging out opens it
    }
    if (view.courseError && view.courseError !== before.courseError) {
      this.announce(view.courseError);
    }
    if (view.sync && view.sync.kind !== before.sync.kind) {
      // Said without its symbol ("✔ Synced…" would be read as "check mark, Synced…").
      this.announce(describeSync(view.sync).replace(/^[✔✘⚠]\s*/u, ''));
    }
    if (view.progress && before.catalog) {
      for (const chapter of before.catalog.chapters) {
        for (const ex of chapter.exercises) {
          if (isDone(view.progress, ex.id) && !isDone(before.progress, ex.id)) {
            this.announce(`Exercise “${ex.title}” is done.`);
          }
        }
      }
    }
    this.render();
  }

  private render(): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset
      ?.focusKey;
    this.renderCourse();
    this.renderAccount();
    this.status.textContent = describeSync(this.view.sync);
    this.status.dataset.state = this.view.sync.kind;
    if (focused) {
      const again = this.node.querySelector<HTMLElement>(
        `[data-focus-key="${CSS.escape(focused)}"]`
      );
      if (again && again !== document.activeElement) {
        again.focus();
      }
    }
  }

  private renderCourse(): void {
    const { catalog, courseError, progress } = this.view;
    if (courseError) {
      this.overall.replaceChildren();
      const retry = h(
        'button',
        { className: 'jp-mod-styled pylearn-button', type: 'button' },
        ['Try again']
      );
      retry.addEventListener('click', () => this.actions.retryCourse());
      retry.dataset.focusKey = 'retry-course';
      this.tree.showMessage(h('p', {}, [courseError]), retry);
      return;
    }
    if (!catalog) {
      this.overall.replaceChildren();
      this.tree.showMessage(h('p', {}, ['Loading the course…']));
      return;
    }
    const all = catalog.chapters.flatMap(c => c.exercises);
    const done = all.filter(ex => isDone(progress, ex.id)).length;
    this.overall.replaceChildren(
      h('h3', { className: 'pylearn-overall-title' }, ['Your progress']),
      progressBar(done, all.length, 'Overall progress')
    );
    if (catalog.chapters.length === 0) {
      this.tree.showMessage(h('p', {}, ['This course has no exercises yet.']));
      return;
    }
    this.tree.render(catalog.chapters, progress);
  }

  private button(
    className: string,
    focusKey: string,
    children: Children,
    onClick: () => void
  ): HTMLButtonElement {
    return keyedButton(className, focusKey, children, onClick);
  }

  /** The account area's heading: a disclosure button once there is something to hide. */
  private accountHeading(summary: string | null): HTMLElement {
    if (summary === null) {
      return h('h3', { id: 'pylearn-account-heading' }, ['Account']);
    }
    const open = this.isAccountOpen();
    const toggle = this.button(
      'pylearn-disclosure pylearn-account-toggle',
      'account-toggle',
      [
        h('span', { className: 'pylearn-chevron', 'aria-hidden': 'true' }, [
          open ? '▾' : '▸'
        ]),
        h('span', {}, [summary ? `Account: ${summary}` : 'Account'])
      ],
      () => {
        this.accountOpen = !open;
        this.accountKey = '';
        this.renderAccount();
        this.account
          .querySelector<HTMLElement>('.pylearn-account-toggle')
          ?.focus();
      }
    );
    toggle.setAttribute('aria-expanded', String(open));
    toggle.setAttribute('aria-controls', 'pylearn-account-body');
    return h('h3', { id: 'pylearn-account-heading' }, [toggle]);
  }

  private isAccountOpen(): boolean {
    return this.accountOpen ?? !this.view.user;
  }

  private renderAccount(): void {
    const { user, accountsUnavailable, sync } = this.view;
    const signingIn = !user && sync.kind === 'signing-in' ? sync.username : '';
    const key = [
      accountsUnavailable ?? '',
      user?.id ?? '',
      signingIn,
      this.form,
      String(this.isAccountOpen()),
      String(Boolean(user) && this.view.guestUploaded)
    ].join('|');
    if (key === this.accountKey) {
      return;
    }
    this.accountKey = key;
    if (signingIn) {
      this.account.replaceChildren(
        this.accountHeading(null),
        h('p', {}, ['Signing in as ', h('b', {}, [signingIn]), '…'])
      );
      return;
    }
    if (accountsUnavailable) {
      this.account.replaceChildren(
        this.accountHeading(null),
        h('p', { className: 'pylearn-note' }, [accountsUnavailable])
      );
      return;
    }
    const body = h('div', {
      id: 'pylearn-account-body',
      className: 'pylearn-account-body',
      hidden: !this.isAccountOpen()
    });
    if (user) {
      body.append(
        h('p', {}, [
          'Logged in as ',
          h('b', {}, [user.username]),
          ` (${user.email}).`
        ]),
        h('div', { className: 'pylearn-actions' }, [
          this.button(
            'jp-mod-styled pylearn-button',
            'logout',
            ['Log out'],
            () => this.actions.logout()
          ),
          this.button(
            'jp-mod-styled pylearn-button',
            'export',
            ['Export my data'],
            () => this.actions.exportData()
          ),
          this.button(
            'jp-mod-styled pylearn-button pylearn-danger',
            'delete',
            ['Delete my account'],
            () => this.actions.deleteAccount()
          )
        ])
      );
      // Shown even while the account area is closed: it is the one thing left to decide.
      this.account.replaceChildren(
        this.accountHeading(user.username),
        body,
        ...(this.view.guestUploaded ? [this.forgetGuestOffer()] : [])
      );
      return;
    }
    const intro = h('p', { className: 'pylearn-note' }, [
      'You are working as a guest: your progress is kept in this browser only and nothing is sent anywhere. ',
      'With an account, it is kept on the PyLearn server too.'
    ]);
    const choose = h('div', { className: 'pylearn-actions' }, [
      this.button(
        'jp-mod-styled pylearn-button',
        'show-login',
        ['Log in'],
        () => this.showForm('login')
      ),
      this.button(
        'jp-mod-styled pylearn-button',
        'show-register',
        ['Create account'],
        () => this.showForm('register')
      )
    ]);
    body.append(intro, choose);
    if (this.form === 'login') {
      body.append(this.loginForm(), this.forgotButton());
    } else if (this.form === 'register') {
      body.append(this.registerForm());
    } else if (this.form === 'forgot') {
      body.append(this.forgotForm());
    }
    if (this.resetAsked) {
      body.append(this.resetAskedNote());
    }
    this.account.replaceChildren(this.accountHeading('guest'), body);
  }

  /** Once the account has all of the guest progress: the offer to remove it from here. */
  private forgetGuestOffer(): HTMLElement {
    const button = this.button(
      'jp-mod-styled pylearn-button pylearn-forget-guest',
      'forget-guest',
      ['Forget guest progress on this browser'],
      () => {
        this.actions.forgetGuest();
        // The offer is gone once done: keep the keyboard in the account area (its toggle
        // is the one control there that is never hidden).
        if (!button.isConnected) {
          this.account
            .querySelector<HTMLElement>('.pylearn-account-toggle')
            ?.focus();
        }
      }
    );
    button.setAttribute('aria-describedby', 'pylearn-forget-guest-note');
    return h('div', { className: 'pylearn-guest-uploaded' }, [
      h('p', { className: 'pylearn-note', id: 'pylearn-forget-guest-note' }, [
        'Your guest progress from this browser is in your account now. This browser still ',
        'keeps a guest copy, shown when you log out; you can remove it.'
      ]),
      h('div', { className: 'pylearn-actions' }, [button])
    ]);
  }

  private showForm(form: 'login' | 'register' | 'forgot'): void {
    this.form = this.form === form ? 'none' : form;
    this.resetAsked = false;
    this.renderAccount();
    this.account.querySelector<HTMLInputElement>('form input')?.focus();
  }

  private field(
    name: string,
    label: string,
    type: string,
    autocomplete: string
  ): HTMLElement {
    const id = `pylearn-${this.form}-${name}`;
    return h('div', { className: 'pylearn-field' }, [
      h('label', { for: id }, [label]),
      h('input', {
        id,
        name,
        type,
        autocomplete,
        required: true,
        className: 'jp-mod-styled'
      }),
      h('p', { id: `${id}-error`, className: 'pylearn-field-error' })
    ]);
  }

  /** Shows a problem: each sentence next to its field, all of them announced at once. */
  private showProblem(
    form: HTMLFormElement,
    kind: AuthForm,
    problem: IFormProblem | null
  ): void {
    const general = form.querySelector<HTMLElement>('.pylearn-form-error');
    let first: HTMLInputElement | null = null;
    for (const input of Array.from(form.querySelectorAll('input'))) {
      const note = form.querySelector<HTMLElement>(
        `#${CSS.escape(input.id)}-error`
      );
      const text = problem?.fields[input.name] ?? '';
      if (note) {
        note.textContent = text;
      }
      if (text) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', `${input.id}-error`);
        first ??= input;
      } else {
        input.removeAttribute('aria-invalid');
        input.removeAttribute('aria-describedby');
      }
    }
    if (general) {
      general.textContent = problem?.message ?? '';
    }
    if (problem) {
      // Everything the form says, once, through the page's one live region.
      this.announce(problemSentences(problem, kind).join(' '));
    }
    first?.focus();
  }

  private authForm(
    kind: AuthForm,
    fields: HTMLElement[],
    submitLabel: string,
    submit: (values: Record<string, string>) => Promise<IFormProblem | null>
  ): HTMLFormElement {
    const error = h('p', { className: 'pylearn-form-error' });
    const button = h(
      'button',
      { type: 'submit', className: 'jp-mod-styled jp-mod-accept' },
      [submitLabel]
    );
    const form = h(
      'form',
      {
        className: `pylearn-form pylearn-form-${kind}`,
        'aria-label': submitLabel
      },
      [...fields, button, error]
    );
    form.addEventListener('submit', event => {
      event.preventDefault();
      const values: Record<string, string> = {};
      for (const input of Array.from(form.querySelectorAll('input'))) {
        values[input.name] = input.value;
      }
      button.disabled = true;
      this.showProblem(form, kind, null);
      void submit(values)
        .catch(() => ({
          message: 'Something went wrong. Please try again.',
          fields: {}
        }))
        .then(problem => {
          button.disabled = false;
          if (problem) {
            this.showProblem(form, kind, problem);
          } else {
            this.form = 'none';
            this.accountKey = '';
            this.renderAccount();
          }
        });
    });
    return form;
  }
  private loginForm(): HTMLFormElement {
    return this.authForm(
      'login',
      [
        this.field('login', 'Username or email', 'text', 'username'),
        this.field('password', 'Password', 'password', 'current-password')
      ],
      'Log in',
      v => this.actions.login(v.login, v.password)
    );
  }

  /** Under the login form: the way to a new password. */
  private forgotButton(): HTMLElement {
    return h('p', { className: 'pylearn-forgot' }, [
      this.button('pylearn-link-button', 'forgot', ['Forgot password?'], () =>
        this.showForm('forgot')
      )
    ]);
  }

  private forgotForm(): HTMLFormElement {
    const form = this.authForm(
      'forgot',
      [this.field('email', 'Email of your account', 'email', 'email')],
      'Send reset link',
      async v => {
        const problem = await this.actions.requestReset(v.email);
        if (!problem) {
          this.resetAsked = true;
          this.announce(RESET_ASKED);
          // The form is gone once the note shows: the keyboard goes to the note's link.
          requestAnimationFrame(() => {
            const next =
              this.account.querySelector<HTMLElement>(
                '.pylearn-reset-asked a'
              ) ??
              this.account.querySelector<HTMLElement>(
                '[data-focus-key="show-login"]'
              );
            next?.focus();
          });
        }
        return problem;
      }
    );
    form.prepend(
      h('p', { className: 'pylearn-note' }, [
        'We will mail you a link to choose a new password.'
      ])
    );
    return form;
  }

  private resetAskedNote(): HTMLElement {
    const page = this.actions.resetPage();
    return h('div', { className: 'pylearn-reset-asked' }, [
      h('p', { className: 'pylearn-note' }, [RESET_ASKED]),
      page
        ? h('p', { className: 'pylearn-note' }, [
            'Have the code from the mail instead? ',
            h('a', { href: page, target: '_blank', rel: 'noopener' }, [
              'Open the reset page'
            ]),
            ' and paste it there.'
          ])
        : null
    ]);
  }

  private registerForm(): HTMLFormElement {
    return this.authForm(
      'register',
      [
        this.field(
          'username',
          'Username (3–20 letters, digits, _ - .)',
          'text',
          'username'
        ),
        this.field('email', 'Email', 'email', 'email'),
        this.field(
          'password',
          'Password (at least 8 characters)',
          'password',
          'new-password'
        )
      ],
      'Create account',
      v => this.actions.register(v.username, v.email, v.password)
    );
  }
}
