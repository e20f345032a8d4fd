/**
 * PyLearn in JupyterLab and Notebook 7: the sidebar, the Check button, and sync.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Dialog, ICommandPalette, Notification, showDialog } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Widget } from '@lumino/widgets';

import { Announcer } from './announcer';
import { ApiClient, ApiError, AuthAnswer } from './api';
import { addPanelKeyboard } from './keyboard';
import { Course, CourseError, loadCourse } from './course';
import { formProblem } from './formerrors';
import { watchLiveChecks } from './livechecks';
import { RECORDED_EVENT, browserStore } from './recorder';
import { PyLearnSidebar } from './sidebar';
import { SyncEngine, SyncState } from './sync';
import type { CatalogChapter, CatalogExercise } from './types';

const PLUGIN_ID = 'pylearn-jupyter:plugin';
const CHECK_BUTTON_CLASS = 'pylearn-check-button';

interface PyLearnSettings {
  apiUrl: string;
  syncIntervalSeconds: number;
}

async function readSettings(registry: ISettingRegistry | null): Promise<PyLearnSettings> {
  const defaults = { apiUrl: '', syncIntervalSeconds: 300 };
  if (!registry) {
    return defaults;
  }
  try {
    const settings = await registry.load(PLUGIN_ID);
    return {
      apiUrl: String(settings.get('apiUrl').composite ?? ''),
      syncIntervalSeconds: Number(settings.get('syncIntervalSeconds').composite ?? 300)
    };
  } catch {
    return defaults;
  }
}

function message(error: unknown): string {
  if (error instanceof ApiError || error instanceof CourseError) {
    return error.message;
  }
  return 'Something went wrong. Please try again.';
}

/** Makes the Check button of a check panel run the exercise cell it belongs to. */
function wireCheckButtons(tracker: INotebookTracker): void {
  document.addEventListener(
    'click',
    event => {
      const button = (event.target as Element | null)?.closest?.(`.${CHECK_BUTTON_CLASS}`);
      if (!button) {
        return;
      }
      const panel = tracker.find(p => p.node.contains(button));
      if (!panel) {
        return;
      }
      const notebook = panel.content;
      const index = notebook.widgets.findIndex(cell => cell.node.contains(button));
      if (index < 0) {
        return;
      }
      // Pressed from the keyboard (or focused anyway): the panel is drawn anew by the run,
      // so focus goes to the new panel's Check button instead of falling to the page.
      const hadFocus = button.contains(document.activeElement);
      const cellNode = notebook.widgets[index].node;
      notebook.activeCellIndex = index;
      notebook.deselectAll();
      void NotebookActions.run(notebook, panel.sessionContext).then(() => {
        if (hadFocus) {
          refocusCheckButton(cellNode, button, panel.node);
        }
      });
    },
    true
  );
}

/** Focuses the Check button that replaces `old` in `cell`, unless the learner moved on. */
function refocusCheckButton(cell: HTMLElement, old: Element, page: HTMLElement): void {
  const mayTake = () => {
    const active = document.activeElement;
    return !active || active === document.body || active === old || page.contains(active);
  };
  const tryFocus = (): boolean => {
    const fresh = cell.querySelector<HTMLElement>(`.${CHECK_BUTTON_CLASS}`);
    if (!fresh || fresh === old || !fresh.isConnected) {
      return false;
    }
    if (mayTake() && !cell.querySelector('.pylearn-panel')?.contains(document.activeElement)) {
      fresh.focus();
    }
    return true;
  };
  if (tryFocus()) {
    return;
  }
  const observer = new MutationObserver(() => {
    if (tryFocus()) {
      observer.disconnect();
    }
  });
  observer.observe(cell, { childList: true, subtree: true });
  window.setTimeout(() => observer.disconnect(), 60_000);
}

/** Scrolls to the exercise's answer cell (metadata `pylearn.role == "answer"`) and selects it. */
async function showAnswerCell(widget: unknown, exerciseId?: string): Promise<void> {
  if (!(widget instanceof NotebookPanel)) {
    return;
  }
  await widget.context.ready;
  const notebook = widget.content;
  const index = notebook.widgets.findIndex(cell => {
    const meta = cell.model.getMetadata('pylearn') as { role?: string; exercise?: string } | undefined;
    return meta?.role === 'answer' && (!exerciseId || meta.exercise === exerciseId);
  });
  if (index >= 0) {
    notebook.activeCellIndex = index;
    await notebook.scrollToCell(notebook.widgets[index]);
  }
}

class PasswordBody extends Widget {
  readonly input: HTMLInputElement;

  constructor(text: string[]) {
    super();
    for (const paragraph of text) {
      const p = document.createElement('p');
      p.textContent = paragraph;
      this.node.append(p);
    }
    const label = document.createElement('label');
    label.textContent = 'Your password';
    this.input = document.createElement('input');
    this.input.type = 'password';
    this.input.autocomplete = 'current-password';
    this.input.className = 'jp-mod-styled';
    label.append(document.createElement('br'), this.input);
    this.node.append(label);
    this.addClass('pylearn-dialog');
  }

  getValue(): string {
    return this.input.value;
  }
}

function download(filename: string, data: unknown): void {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function activate(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  docManager: IDocumentManager,
  registry: ISettingRegistry | null,
  restorer: ILayoutRestorer | null,
  palette: ICommandPalette | null
): Promise<void> {
  const store = browserStore();
  // The page's one live region, there before anything is said in it.
  const announcer = new Announcer();
  announcer.watch();
  addPanelKeyboard(app, tracker, announcer, palette);
  let course: Course | null = null;
  let api: ApiClient | null = null;
  let engine = new SyncEngine(store, null);
  let stopEngineListener = () => {};
  /** While a register or log in is being finished (the upload question, the first load). */
  let signingIn: SyncState | null = null;

  const refresh = () => {
    const user = store.session()?.user ?? null;
    sidebar.setView({
      progress: store.progress(),
      user,
      sync: signingIn ?? engine.state,
      guestUploaded: user !== null && store.guestUploadedTo(user.id)
    });
  };

  const openPath = async (path: string, exerciseId?: string) => {
    // A notebook already open is brought forward, not opened again: Notebook 7 would
    // hand a second copy to a new browser tab and empty the one on this page.
    const existing = docManager.findWidget(path);
    if (existing) {
      app.shell.activateById(existing.id);
      await showAnswerCell(existing, exerciseId);
      return;
    }
    const widget = await app.commands.execute('docmanager:open', { path });
    await showAnswerCell(widget, exerciseId);
  };

  const actions = {
    openExercise: async (exercise: CatalogExercise) => {
      try {
        const opened = await course!.openExercise(exercise);
        await openPath(opened.path, exercise.id);
      } catch (error) {
        Notification.error(message(error), { autoClose: 8000 });
      }
    },
    openIntro: async (chapter: CatalogChapter) => {
      try {
        const opened = await course!.openIntro(chapter);
        await openPath(opened.path);
      } catch (error) {
        Notification.error(message(error), { autoClose: 8000 });
      }
    },
    resetExercise: async (exercise: CatalogExercise) => {
      const answer = await showDialog({
        title: `Reset “${exercise.title}” to original?`,
        body:
          'The exercise notebook goes back to how it was first handed out. Your current ' +
          'version is not lost: a dated copy is kept next to it.',
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Reset to original' })]
      });
      if (!answer.button.accept) {
        return;
      }
      try {
        const open = docManager.findWidget(exercise.path);
        if (open?.context.model.dirty) {
          await open.context.save();
        }
        const result = await course!.resetExercise(exercise);
        const widget = docManager.findWidget(result.path);
        if (widget) {
          await widget.context.revert();
        }
        await openPath(result.path, exercise.id);
        const kept = result.backup ? ` Your previous version is kept as ${result.backup}.` : '';
        Notification.success(`“${exercise.title}” is back to its original.${kept}`, {
          autoClose: 8000
        });
        sidebar.announce(`Exercise reset.${kept}`);
      } catch (error) {
        Notification.error(message(error), { autoClose: 8000 });
      }
    },
    login: async (login: string, password: string) => {
      if (!api) {
        return { message: 'Accounts are not available here.', fields: {} };
      }
      let auth: AuthAnswer;
      try {
        auth = await api.login(login, password);
      } catch (error) {
        return formProblem(error, 'login');
      }
      await signedIn(auth);
      return null;
    },
    register: async (username: string, email: string, password: string) => {
      if (!api) {
        return { message: 'Accounts are not available here.', fields: {} };
      }
      let auth: AuthAnswer;
      try {
        auth = await api.register(username, email, password);
      } catch (error) {
        return formProblem(error, 'register');
      }
      await signedIn(auth);
      return null;
    },
    logout: async () => {
      const session = store.session();
      if (!session) {
        return;
      }
      const waiting = store.pendingCount();
      if (waiting) {
        const answer = await showDialog({
          title: 'Log out?',
          body:
            `${waiting} result(s) have not reached your account yet. They stay in this ` +
            `browser and are sent the next time you log in as ${session.user.username}.`,
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Log out' })]
        });
        if (!answer.button.accept) {
          return;
        }
      }
      store.endSession();
      engine.stop();
      sidebar.announce(
        'Logged out. You are working as a guest; the progress shown is the guest progress of this browser.'
      );
    },
    exportData: async () => {
      const session = store.session();
      if (!api || !session) {
        return;
      }
      try {
        const data = await api.exportData(session.token);
        const day = new Date().toISOString().slice(0, 10);
        download(`pylearn-export-${session.user.username}-${day}.json`, data);
        sidebar.announce('Your data was downloaded as a JSON file.');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          engine.sessionEnded();
        }
        Notification.error(message(error), { autoClose: 8000 });
      }
    },
    deleteAccount: async () => {
      const session = store.session();
      if (!api || !session) {
        return;
      }
      const body = new PasswordBody([
        `This permanently deletes your PyLearn account “${session.user.username}” ` +
          `(${session.user.email}) from the PyLearn server, with everything stored about ` +
          'you there: your progress, every piece of code you submitted, and your login.',
        'It cannot be undone. Results not yet synced are discarded too. Your notebooks in ' +
          'this workspace are not touched, and you can keep working as a guest.',
        'Type your password to confirm.'
      ]);
      const answer = await showDialog({
        title: 'Delete your PyLearn account?',
        body,
        focusNodeSelector: 'input',
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete my account' })]
      });
      if (!answer.button.accept) {
        return;
      }
      try {
        await api.deleteAccount(session.token, answer.value ?? '');
        store.outbox.acknowledge(store.outbox.pending(session.user.id).map(s => s.id));
        store.forgetAccount(session.user.id);
        store.endSession();
        engine.stop();
        Notification.success('Your PyLearn account and everything stored with it were deleted.', {
          autoClose: 8000
        });
        sidebar.announce('Your account was deleted. You are working as a guest.');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          engine.sessionEnded();
        }
        const text =
          error instanceof ApiError && error.status === 403
            ? 'That password is not right, so your account was not deleted.'
            : message(error);
        Notification.error(text, { autoClose: 8000 });
      }
    },
    forgetGuest: () => {
      const removed = store.forgetGuest();
      if (removed) {
        sidebar.announce(
          'Guest progress removed from this browser. Your account keeps it; logged out, ' +
            'this browser now shows no progress.'
        );
      }
    },
    retryCourse: () => void start()
  };

  const sidebar = new PyLearnSidebar(actions, announcer);
  app.shell.add(sidebar, 'left', { rank: 150 });
  restorer?.add(sidebar, sidebar.id);

  /**
   * After register or log in: offer the guest checks the account does not have yet, then
   * load the account's progress and sync. Until the learner has answered, the session is
   * not stored: the sidebar keeps showing the guest progress and says it is signing in.
   */
  const signedIn = async (auth: AuthAnswer) => {
    const { username } = auth.user;
    const offer = store.guestNotUploaded(auth.user.id);
    let upload = false;
    try {
      if (offer.length) {
        signingIn = { kind: 'signing-in', username, choosing: true };
        refresh();
        const exercises = new Set(offer.map(s => s.exercise_id)).size;
        const answer = await showDialog({
          title: 'Add your guest progress to your account?',
          body:
            `As a guest you made ${offer.length} check(s) on ${exercises} exercise(s) in this ` +
            `browser that “${username}” does not have yet. Upload them so your account has ` +
            'them too? Either way they stay in this browser as guest progress.',
          buttons: [
            Dialog.cancelButton({ label: 'Keep them here only' }),
            Dialog.okButton({ label: 'Upload to my account' })
          ]
        });
        upload = answer.button.accept;
      }
      signingIn = { kind: 'signing-in', username, choosing: false };
      store.setSession({ token: auth.token, user: auth.user });
      if (upload) {
        store.uploadGuest();
      }
      sidebar.announce(`Logged in as ${username}.`);
      const loaded = await engine.refresh();
      signingIn = null;
      refresh();
      if (loaded) {
        await engine.flush();
      }
    } finally {
      if (signingIn) {
        signingIn = null;
        refresh();
      }
    }
  };

  wireCheckButtons(tracker);
  watchLiveChecks(tracker);
  store.onChange(refresh);
  window.addEventListener(RECORDED_EVENT, () => {
    refresh();
    engine.recorded();
  });
  window.addEventListener('storage', event => {
    if (event.key?.startsWith('pylearn.')) {
      refresh();
    }
  });
  window.addEventListener('online', () => {
    if (store.session()) {
      void engine.flush();
    }
  });

  const settings = await readSettings(registry);
  let interval: number | null = null;

  async function start(): Promise<void> {
    sidebar.setView({ courseError: null });
    try {
      course = await loadCourse(
        app.serviceManager.serverSettings,
        app.serviceManager.contents,
        settings.apiUrl
      );
    } catch (error) {
      sidebar.setView({ courseError: message(error) });
      return;
    }
    api = course.transport ? new ApiClient(course.transport) : null;
    stopEngineListener();
    engine.stop();
    engine = new SyncEngine(store, api);
    stopEngineListener = engine.onState(refresh);
    sidebar.setView({ catalog: course.catalog, accountsUnavailable: course.accountsUnavailable });
    refresh();
    await engine.start();
    if (interval !== null) {
      window.clearInterval(interval);
    }
    interval = window.setInterval(
      () => {
        if (store.session()) {
          void engine.refresh().then(ok => {
            if (ok) {
              void engine.flush();
            }
          });
        }
      },
      Math.max(30, settings.syncIntervalSeconds) * 1000
    );
  }

  void start();
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'The PyLearn sidebar, progress and sync.',
  autoStart: true,
  requires: [INotebookTracker, IDocumentManager],
  optional: [ISettingRegistry, ILayoutRestorer, ICommandPalette],
  activate
};

export default plugin;
