/**
 * The account and sync service: the progress kept in this browser, logging in and out,
 * the account's data, and the sync engine that keeps the two in step.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiClient, ApiError, IAuthAnswer } from './api';
import { PasswordBody, download, message } from './dialogs';
import { IFormProblem, formProblem } from './formerrors';
import { RECORDED_EVENT, browserStore } from './recorder';
import { ProgressStore } from './store';
import { SyncEngine, SyncState } from './sync';
import type { AccountView, IPyLearnAnnouncer, IPyLearnSync } from './tokens';

export class AccountService implements IPyLearnSync {
  readonly store: ProgressStore;
  private api: ApiClient | null = null;
  private engine: SyncEngine;
  private stopEngineListener = () => {};
  /** While a register or log in is being finished (the upload question, the first load). */
  private signingIn: SyncState | null = null;
  private interval: number | null = null;
  private readonly changedSignal = new Signal<IPyLearnSync, void>(this);

  constructor(
    private readonly announcer: IPyLearnAnnouncer,
    store: ProgressStore = browserStore()
  ) {
    this.store = store;
    this.engine = new SyncEngine(store, null);
  }

  get changed(): ISignal<IPyLearnSync, void> {
    return this.changedSignal;
  }

  get hasApi(): boolean {
    return this.api !== null;
  }

  get loggedIn(): boolean {
    return this.store.session() !== null;
  }

  /** Listens to the store, to checks recorded, to other tabs and to the network. */
  listen(): void {
    this.store.onChange(() => this.emit());
    window.addEventListener(RECORDED_EVENT, () => {
      this.emit();
      this.engine.recorded();
    });
    window.addEventListener('storage', event => {
      if (event.key?.startsWith('pylearn.')) {
        this.emit();
      }
    });
    window.addEventListener('online', () => {
      if (this.store.session()) {
        void this.engine.flush();
      }
    });
  }

  view(): AccountView {
    const user = this.store.session()?.user ?? null;
    return {
      progress: this.store.progress(),
      user,
      sync: this.signingIn ?? this.engine.state,
      guestUploaded: user !== null && this.store.guestUploadedTo(user.id)
    };
  }

  connect(api: ApiClient | null): void {
    this.api = api;
    this.stopEngineListener();
    this.engine.stop();
    this.engine = new SyncEngine(this.store, api);
    this.stopEngineListener = this.engine.onState(() => this.emit());
  }

  async start(intervalSeconds: number): Promise<void> {
    await this.engine.start();
    if (this.interval !== null) {
      window.clearInterval(this.interval);
    }
    this.interval = window.setInterval(
      () => {
        if (this.store.session()) {
          void this.syncNow();
        }
      },
      Math.max(30, intervalSeconds) * 1000
    );
  }

  async syncNow(): Promise<void> {
    if (await this.engine.refresh()) {
      await this.engine.flush();
    }
  }

  async login(login: string, password: string): Promise<IFormProblem | null> {
    if (!this.api) {
      return { message: 'Accounts are not available here.', fields: {} };
    }
    let auth: IAuthAnswer;
    try {
      auth = await this.api.login(login, password);
    } catch (error) {
      return formProblem(error, 'login');
    }
    await this.signedIn(auth);
    return null;
  }

  async requestReset(email: string): Promise<IFormProblem | null> {
    if (!this.api) {
      return { message: 'Accounts are not available here.', fields: {} };
    }
    try {
      await this.api.requestPasswordReset(email);
    } catch (error) {
      return formProblem(error, 'forgot');
    }
    return null;
  }

  async register(
    username: string,
    email: string,
    password: string
  ): Promise<IFormProblem | null> {
    if (!this.api) {
      return { message: 'Accounts are not available here.', fields: {} };
    }
    let auth: IAuthAnswer;
    try {
      auth = await this.api.register(username, email, password);
    } catch (error) {
      return formProblem(error, 'register');
    }
    await this.signedIn(auth);
    return null;
  }

  /**
   * After register or log in: offer the guest checks the account does not have yet, then
   * load the account's progress and sync. Until the learner has answered, the session is
   * not stored: the sidebar keeps showing the guest progress and says it is signing in.
   */
  async signedIn(auth: IAuthAnswer): Promise<void> {
    const store = this.store;
    const { username } = auth.user;
    const offer = store.guestNotUploaded(auth.user.id);
    let upload = false;
    try {
      if (offer.length) {
        this.signingIn = { kind: 'signing-in', username, choosing: true };
        this.emit();
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
      this.signingIn = { kind: 'signing-in', username, choosing: false };
      store.setSession({ token: auth.token, user: auth.user });
      if (upload) {
        store.uploadGuest();
      }
      this.announcer.say(`Logged in as ${username}.`);
      const loaded = await this.engine.refresh();
      this.signingIn = null;
      this.emit();
      if (loaded) {
        await this.engine.flush();
      }
    } finally {
      if (this.signingIn) {
        this.signingIn = null;
        this.emit();
      }
    }
  }

  async logout(): Promise<void> {
    const store = this.store;
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
    this.engine.stop();
    this.announcer.say(
      'Logged out. You are working as a guest; the progress shown is the guest progress of this browser.'
    );
  }

  async exportData(): Promise<void> {
    const session = this.store.session();
    if (!this.api || !session) {
      return;
    }
    try {
      const data = await this.api.exportData(session.token);
      const day = new Date().toISOString().slice(0, 10);
      download(`pylearn-export-${session.user.username}-${day}.json`, data);
      this.announcer.say('Your data was downloaded as a JSON file.');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.engine.sessionEnded();
      }
      Notification.error(message(error), { autoClose: 8000 });
    }
  }

  async deleteAccount(): Promise<void> {
    const store = this.store;
    const session = store.session();
    if (!this.api || !session) {
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
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: 'Delete my account' })
      ]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await this.api.deleteAccount(session.token, answer.value ?? '');
      store.outbox.acknowledge(
        store.outbox.pending(session.user.id).map(s => s.id)
      );
      store.forgetAccount(session.user.id);
      store.endSession();
      this.engine.stop();
      Notification.success(
        'Your PyLearn account and everything stored with it were deleted.',
        {
          autoClose: 8000
        }
      );
      this.announcer.say(
        'Your account was deleted. You are working as a guest.'
      );
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.engine.sessionEnded();
      }
      const text =
        error instanceof ApiError && error.status === 403
          ? 'That password is not right, so your account was not deleted.'
          : message(error);
      Notification.error(text, { autoClose: 8000 });
    }
  }

  forgetGuest(): void {
    const removed = this.store.forgetGuest();
    if (removed) {
      this.announcer.say(
        'Guest progress removed from this browser. Your account keeps it; logged out, ' +
          'this browser now shows no progress.'
      );
    }
  }

  private emit(): void {
    this.changedSignal.emit();
  }
}
