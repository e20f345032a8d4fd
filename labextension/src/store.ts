/**
 * Everything PyLearn keeps in the browser, in localStorage (docs/privacy.md lists the keys).
 *
 * Plain TypeScript over a Storage-like object, so the rules can be tested without a browser.
 */
import { addPending, progressBySubmissions } from './merge';
import type { IProgress, ISubmission, IUser } from './types';
import { CLASS_EXERCISE_ID, isSubmission } from './types';

export type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const KEYS = {
  guest: 'pylearn.v1.guest.submissions',
  guestUploaded: 'pylearn.v1.guest.uploaded',
  session: 'pylearn.v1.account.session',
  accountProgress: 'pylearn.v1.account.progress',
  acknowledged: 'pylearn.v1.account.acknowledged',
  outbox: 'pylearn.v1.outbox',
  sessionEnded: 'pylearn.v1.account.session-ended'
} as const;

/** How many acknowledged ids are remembered, so re-rendered outputs are not sent twice. */
const ACKNOWLEDGED_LIMIT = 5000;

export interface ISession {
  token: string;
  user: IUser;
}

export interface IOutboxItem {
  /** The account the submission belongs to (a user id). */
  owner: string;
  submission: ISubmission;
}

function readJson<T>(storage: KeyValue, key: string, fallback: T): T {
  try {
    const raw = storage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

function writeJson(storage: KeyValue, key: string, value: unknown): void {
  storage.setItem(key, JSON.stringify(value));
}

/** The JSON size of a submission as sent, to keep a batch under the API's 1 MiB limit. */
export function wireSize(submission: ISubmission): number {
  return new TextEncoder().encode(JSON.stringify(submission)).length + 1;
}

/** Submissions waiting for the API's acknowledgement; they survive reloads. */
export class Outbox {
  constructor(private readonly storage: KeyValue) {}

  items(): IOutboxItem[] {
    const items = readJson<IOutboxItem[]>(this.storage, KEYS.outbox, []);
    return Array.isArray(items)
      ? items.filter(i => isSubmission(i?.submission))
      : [];
  }

  pending(owner: string): ISubmission[] {
    return this.items()
      .filter(i => i.owner === owner)
      .map(i => i.submission);
  }

  has(id: string): boolean {
    return this.items().some(i => i.submission.id === id);
  }

  /** Adds submissions not already waiting; returns how many were new. */
  add(owner: string, submissions: ISubmission[]): number {
    const items = this.items();
    const known = new Set(items.map(i => i.submission.id));
    let added = 0;
    for (const submission of submissions) {
      if (!known.has(submission.id)) {
        known.add(submission.id);
        items.push({ owner, submission });
        added++;
      }
    }
    if (added) {
      writeJson(this.storage, KEYS.outbox, items);
    }
    return added;
  }

  /**
   * The next batch to send: oldest first, at most `maxItems` (docs/api.md: 500) and about
   * `maxBytes` of JSON (the API refuses bodies over 1 MiB), always at least one item.
   */
  nextBatch(owner: string, maxItems = 500, maxBytes = 900_000): ISubmission[] {
    const batch: ISubmission[] = [];
    let bytes = 0;
    for (const submission of this.pending(owner)) {
      const size = wireSize(submission);
      if (
        batch.length >= maxItems ||
        (batch.length > 0 && bytes + size > maxBytes)
      ) {
        break;
      }
      batch.push(submission);
      bytes += size;
    }
    return batch;
  }

  /** Removes exactly the acknowledged ids; anything else stays for the next try. */
  acknowledge(ids: Iterable<string>): void {
    const done = new Set(ids);
    const items = this.items();
    const left = items.filter(i => !done.has(i.submission.id));
    if (left.length !== items.length) {
      writeJson(this.storage, KEYS.outbox, left);
    }
  }

  count(owner: string): number {
    return this.pending(owner).length;
  }
}

/** Guest progress, the account session, the account's known progress and the outbox. */
export class ProgressStore {
  readonly outbox: Outbox;
  private listeners = new Set<() => void>();

  constructor(private readonly storage: KeyValue) {
    this.outbox = new Outbox(storage);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }

  // Guest ---------------------------------------------------------------------------
  guestSubmissions(): ISubmission[] {
    const items = readJson<unknown[]>(this.storage, KEYS.guest, []);
    return Array.isArray(items) ? items.filter(isSubmission) : [];
  }

  /** The guest's progress, whoever is logged in (the guest list is never an account's view). */
  guestProgress(): Map<string, IProgress> {
    return progressBySubmissions(this.guestSubmissions());
  }

  clearGuest(): void {
    this.storage.removeItem(KEYS.guest);
    this.storage.removeItem(KEYS.guestUploaded);
    this.notify();
  }

  /**
   * Whether account `owner` has every guest check of this browser (they were uploaded to
   * it from here), so the guest copy may be forgotten without losing anything.
   */
  guestUploadedTo(owner: string): boolean {
    return (
      this.guestSubmissions().some(
        s => !CLASS_EXERCISE_ID.test(s.exercise_id)
      ) && this.guestNotUploaded(owner).length === 0
    );
  }

  /**
   * Forgets the guest progress of this browser once it is in the logged-in account: the
   * guest checks and the record of which accounts received them. The account's own outbox
   * is kept, so uploaded copies not yet confirmed are still sent. Returns how many guest
   * checks were removed (0, and nothing changes, unless the account has all of them).
   */
  forgetGuest(): number {
    const session = this.session();
    if (!session || !this.guestUploadedTo(session.user.id)) {
      return 0;
    }
    const count = this.guestSubmissions().length;
    this.clearGuest();
    return count;
  }

  /** Per account id, the ids of guest checks already handed to that account. */
  private uploaded(): Record<string, string[]> {
    const value = readJson<Record<string, unknown>>(
      this.storage,
      KEYS.guestUploaded,
      {}
    );
    const result: Record<string, string[]> = {};
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [owner, ids] of Object.entries(value)) {
        if (Array.isArray(ids)) {
          result[owner] = ids.filter(
            (id): id is string => typeof id === 'string'
          );
        }
      }
    }
    return result;
  }

  /**
   * Guest checks that account `owner` does not have yet: not uploaded to it before from
   * this browser and not waiting in its outbox. Checks of a class's course made while
   * logged out (`class:` ids) are never handed over: a guest belongs to no class.
   */
  guestNotUploaded(owner: string): ISubmission[] {
    const given = new Set(this.uploaded()[owner] ?? []);
    for (const s of this.outbox.pending(owner)) {
      given.add(s.id);
    }
    return this.guestSubmissions().filter(
      s => !given.has(s.id) && !CLASS_EXERCISE_ID.test(s.exercise_id)
    );
  }

  /**
   * Hands the guest's checks to the logged-in account: copies of them go out with its
   * outbox. The guest list itself stays, so the browser still shows it after logging out.
   * Returns how many checks were new to the account.
   */
  uploadGuest(): number {
    const session = this.session();
    if (!session) {
      return 0;
    }
    const owner = session.user.id;
    const fresh = this.guestNotUploaded(owner);
    const added = this.outbox.add(owner, fresh);
    const guestIds = new Set(this.guestSubmissions().map(s => s.id));
    const uploaded = this.uploaded();
    uploaded[owner] = [
      ...new Set([...(uploaded[owner] ?? []), ...fresh.map(s => s.id)])
    ].filter(id => guestIds.has(id));
    writeJson(this.storage, KEYS.guestUploaded, uploaded);
    this.notify();
    return added;
  }

  /** An account is gone (deleted): forget which guest checks it had. */
  forgetAccount(owner: string): void {
    const uploaded = this.uploaded();
    if (owner in uploaded) {
      delete uploaded[owner];
      if (Object.keys(uploaded).length) {
        writeJson(this.storage, KEYS.guestUploaded, uploaded);
      } else {
        this.storage.removeItem(KEYS.guestUploaded);
      }
    }
  }

  // Session -------------------------------------------------------------------------
  session(): ISession | null {
    const session = readJson<ISession | null>(this.storage, KEYS.session, null);
    return session && typeof session.token === 'string' && session.user
      ? session
      : null;
  }

  setSession(session: ISession): void {
    const previous = this.session();
    if (previous?.user.id !== session.user.id) {
      this.storage.removeItem(KEYS.accountProgress);
      this.storage.removeItem(KEYS.acknowledged);
    }
    writeJson(this.storage, KEYS.session, session);
    this.storage.removeItem(KEYS.sessionEnded);
    this.notify();
  }

  /**
   * Ends the session. `reason` (e.g. an expired token) is kept so the sidebar can say
   * "please log in again" after a reload. The outbox is kept either way: its items are
   * sent when the same account logs in again.
   */
  endSession(reason?: string): void {
    this.storage.removeItem(KEYS.session);
    this.storage.removeItem(KEYS.accountProgress);
    this.storage.removeItem(KEYS.acknowledged);
    if (reason) {
      this.storage.setItem(KEYS.sessionEnded, reason);
    } else {
      this.storage.removeItem(KEYS.sessionEnded);
    }
    this.notify();
  }

  sessionEndedReason(): string | null {
    return this.storage.getItem(KEYS.sessionEnded);
  }

  // Account progress ------------------------------------------------------------------
  accountProgress(): Map<string, IProgress> {
    const items = readJson<IProgress[]>(this.storage, KEYS.accountProgress, []);
    return new Map(
      (Array.isArray(items) ? items : []).map(p => [p.exercise_id, p])
    );
  }

  /** Takes the API's progress: all of it (`replace`) or the exercises a sync touched. */
  setAccountProgress(items: IProgress[], replace = false): void {
    const progress = replace
      ? new Map<string, IProgress>()
      : this.accountProgress();
    for (const item of items) {
      progress.set(item.exercise_id, item);
    }
    writeJson(this.storage, KEYS.accountProgress, [...progress.values()]);
    this.notify();
  }

  private acknowledgedIds(): string[] {
    const ids = readJson<string[]>(this.storage, KEYS.acknowledged, []);
    return Array.isArray(ids) ? ids : [];
  }

  /** The API has these: drop them from the outbox and remember them. */
  acknowledge(ids: string[]): void {
    this.outbox.acknowledge(ids);
    const remembered = [...this.acknowledgedIds(), ...ids].slice(
      -ACKNOWLEDGED_LIMIT
    );
    writeJson(this.storage, KEYS.acknowledged, remembered);
    this.notify();
  }

  // Recording -----------------------------------------------------------------------
  /**
   * Records one check result: for a guest in the guest list, with an account in the
   * outbox. The same id twice (a notebook re-rendering saved outputs) is a no-op.
   * Returns whether it was new.
   */
  record(submission: ISubmission): boolean {
    if (!isSubmission(submission)) {
      return false;
    }
    const session = this.session();
    let added: boolean;
    if (session) {
      added =
        !this.acknowledgedIds().includes(submission.id) &&
        this.outbox.add(session.user.id, [submission]) > 0;
    } else {
      const guest = this.guestSubmissions();
      added = !guest.some(s => s.id === submission.id);
      if (added) {
        writeJson(this.storage, KEYS.guest, [...guest, submission]);
      }
    }
    if (added) {
      this.notify();
    }
    return added;
  }

  pendingCount(): number {
    const session = this.session();
    return session ? this.outbox.count(session.user.id) : 0;
  }

  /** The progress to show: the guest's, or the account's with what is still waiting. */
  progress(): Map<string, IProgress> {
    const session = this.session();
    if (!session) {
      return this.guestProgress();
    }
    const known = this.accountProgress();
    const pending = this.outbox.pending(session.user.id);
    const ids = new Set([...known.keys(), ...pending.map(s => s.exercise_id)]);
    const result = new Map<string, IProgress>();
    for (const id of ids) {
      result.set(
        id,
        addPending(
          known.get(id),
          pending.filter(s => s.exercise_id === id),
          id
        )
      );
    }
    return result;
  }
}
