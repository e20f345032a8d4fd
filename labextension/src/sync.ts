/**
 * Sending the outbox to the PyLearn API: batches, acknowledgements, backoff, expiry.
 *
 * Runs only while an account is logged in; a guest's browser sends nothing.
 */
import { ApiClient, ApiError, tokenExpired } from './api';
import type { ProgressStore } from './store';

export type SyncState =
  | { kind: 'disabled' }
  | { kind: 'guest' }
  | { kind: 'relogin' }
  | { kind: 'signing-in'; username: string; choosing: boolean }
  | { kind: 'synced' }
  | { kind: 'syncing'; waiting: number }
  | { kind: 'waiting'; waiting: number; error?: string; retryInMs?: number }
  | { kind: 'error'; waiting: number; error: string };

const SESSION_EXPIRED = 'expired';

/** Exponential backoff: 1 s, 2 s, 4 s … capped (about a minute). */
export class Backoff {
  failures = 0;

  constructor(
    private readonly baseMs = 1000,
    private readonly capMs = 60_000,
    private readonly jitter: () => number = () => 0.8 + Math.random() * 0.4
  ) {}

  /** Records a failure and returns how long to wait before the next try. */
  fail(): number {
    this.failures++;
    const delay = Math.min(this.capMs, this.baseMs * 2 ** (this.failures - 1));
    return Math.min(this.capMs, Math.round(delay * this.jitter()));
  }

  reset(): void {
    this.failures = 0;
  }
}

export interface ITimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: ITimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: handle =>
    globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>)
};

/** What the sync status line says, in words (never colour alone). */
export function describeSync(state: SyncState): string {
  switch (state.kind) {
    case 'disabled':
      return 'Accounts are not available on this site: your progress stays in this browser.';
    case 'guest':
      return 'Guest: your progress stays in this browser only.';
    case 'relogin':
      return 'Your session has ended: please log in again. Unsynced results are kept in this browser.';
    case 'signing-in':
      return state.choosing
        ? `Signing in as ${state.username}… Until you answer, this browser's guest progress is shown.`
        : `Signing in as ${state.username}… loading your progress.`;
    case 'synced':
      return '✔ Synced with your account.';
    case 'syncing':
      return `Syncing… ${state.waiting} waiting.`;
    case 'waiting': {
      const retry =
        state.retryInMs !== undefined
          ? ` Next try in ${Math.ceil(state.retryInMs / 1000)} s.`
          : '';
      const reason = state.error ? ` Offline: ${state.error}` : '';
      return `${state.waiting} waiting to sync.${reason}${retry}`;
    }
    case 'error':
      return `${state.waiting} waiting to sync. Last error: ${state.error}`;
  }
}

export class SyncEngine {
  private current: SyncState;
  private listeners = new Set<(state: SyncState) => void>();
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private again = false;
  private maxBatch = 500;
  readonly backoff: Backoff;
  private readonly timers: ITimers;

  constructor(
    private readonly store: ProgressStore,
    private readonly api: ApiClient | null,
    options: { backoff?: Backoff; timers?: ITimers; now?: () => number } = {}
  ) {
    this.backoff = options.backoff ?? new Backoff();
    this.timers = options.timers ?? realTimers;
    this.now = options.now ?? (() => Date.now());
    this.current = this.idleState();
  }

  private readonly now: () => number;

  get state(): SyncState {
    return this.current;
  }

  onState(listener: (state: SyncState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setState(state: SyncState): void {
    this.current = state;
    for (const listener of [...this.listeners]) {
      listener(state);
    }
  }

  /** The state when nothing is in flight. */
  idleState(): SyncState {
    if (!this.api) {
      return { kind: 'disabled' };
    }
    const session = this.store.session();
    if (!session) {
      return this.store.sessionEndedReason()
        ? { kind: 'relogin' }
        : { kind: 'guest' };
    }
    const waiting = this.store.pendingCount();
    return waiting ? { kind: 'waiting', waiting } : { kind: 'synced' };
  }

  /**
   * The token is unusable (expired, revoked): back to guest display, outbox kept.
   * Returns false so callers can stop.
   */
  sessionEnded(): false {
    this.cancelTimer();
    this.store.endSession(SESSION_EXPIRED);
    this.setState({ kind: 'relogin' });
    return false;
  }

  /** A token past its expiry is never sent: it ends the session at once. */
  checkToken(): boolean {
    const session = this.store.session();
    if (session && tokenExpired(session.token, this.now())) {
      return this.sessionEnded();
    }
    return session !== null;
  }

  /** Page load or login: take the account's progress from the API, then send the outbox. */
  async start(): Promise<void> {
    if (!this.api || !this.checkToken()) {
      this.setState(this.idleState());
      return;
    }
    await this.refresh();
    await this.flush();
  }

  /** GET /progress: the account's progress from every device. */
  async refresh(): Promise<boolean> {
    const session = this.store.session();
    if (!this.api || !session || !this.checkToken()) {
      return false;
    }
    try {
      const answer = await this.api.progress(session.token);
      this.store.setAccountProgress(answer.items, true);
      return true;
    } catch (error) {
      this.handleFailure(error);
      return false;
    }
  }

  /** Resolves once no request is in flight. */
  async whenIdle(): Promise<void> {
    while (this.running) {
      await this.running;
    }
  }

  /** Sends everything waiting, batch by batch; safe to call at any time. */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.cancelTimer();
    this.running = this.sendAll().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.flush();
      }
    });
    return this.running;
  }

  private async sendAll(): Promise<void> {
    if (!this.api || !this.checkToken()) {
      this.setState(this.idleState());
      return;
    }
    for (;;) {
      const session = this.store.session();
      if (!session) {
        this.setState(this.idleState());
        return;
      }
      const batch = this.store.outbox.nextBatch(session.user.id, this.maxBatch);
      if (batch.length === 0) {
        this.backoff.reset();
        this.maxBatch = 500;
        this.setState({ kind: 'synced' });
        return;
      }
      this.setState({ kind: 'syncing', waiting: this.store.pendingCount() });
      try {
        const answer = await this.api.submit(session.token, batch);
        this.store.acknowledge(batch.map(s => s.id));
        this.store.setAccountProgress(answer.items);
        this.backoff.reset();
      } catch (error) {
        if (
          error instanceof ApiError &&
          (error.status === 413 || error.status === 422)
        ) {
          if (batch.length > 1) {
            this.maxBatch = Math.max(1, Math.floor(batch.length / 2));
            continue;
          }
          // One submission the API will never take (e.g. code over 64 KiB): drop it.
          this.store.acknowledge([batch[0].id]);
          this.setState({
            kind: 'error',
            waiting: this.store.pendingCount(),
            error: `one result was refused by the PyLearn server (${error.message})`
          });
          continue;
        }
        this.handleFailure(error);
        return;
      }
    }
  }

  private handleFailure(error: unknown): void {
    if (error instanceof ApiError && error.status === 401) {
      this.sessionEnded();
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const delay = this.backoff.fail();
    this.setState({
      kind: 'waiting',
      waiting: this.store.pendingCount(),
      error: message,
      retryInMs: delay
    });
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }

  private cancelTimer(): void {
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** A new result was recorded: send it now (or right after the batch in flight). */
  recorded(): void {
    if (this.store.session()) {
      void this.flush();
    } else {
      this.setState(this.idleState());
    }
  }

  /** Logged out or disposed: no more tries. */
  stop(): void {
    this.cancelTimer();
    this.setState(this.idleState());
  }
}
