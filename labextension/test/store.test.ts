import { describe, expect, it } from 'vitest';
import { KEYS, Outbox, ProgressStore, wireSize } from '../src/store';
import { MemoryStorage, jwt, submission } from './helpers';

const user = {
  id: 'u1',
  username: 'ada',
  email: 'ada@example.org',
  created_at: '2024-01-01T00:00:00Z'
};
const session = { token: jwt(Date.now() / 1000 + 3600), user };

describe('ProgressStore as a guest', () => {
  it('test_guest_results_stay_in_the_guest_list', () => {
    const storage = new MemoryStorage();
    const store = new ProgressStore(storage);
    store.record(submission({ passed: true }));
    expect(store.guestSubmissions()).toHaveLength(1);
    expect(storage.getItem(KEYS.outbox)).toBeNull();
  });

  it('test_recording_the_same_id_twice_is_a_no_op', () => {
    const store = new ProgressStore(new MemoryStorage());
    const s = submission({ passed: true });
    expect(store.record(s)).toBe(true);
    expect(store.record({ ...s })).toBe(false);
    expect(store.progress().get(s.exercise_id)?.attempts).toBe(1);
  });

  it('test_malformed_records_are_ignored', () => {
    const store = new ProgressStore(new MemoryStorage());
    expect(store.record({ ...submission(), exercise_id: '../etc' })).toBe(
      false
    );
    expect(store.record({ id: 'x' } as never)).toBe(false);
    expect(store.guestSubmissions()).toHaveLength(0);
  });

  it('test_progress_survives_a_new_store_on_the_same_storage', () => {
    const storage = new MemoryStorage();
    const s = submission({ passed: true });
    new ProgressStore(storage).record(s);
    expect(
      new ProgressStore(storage).progress().get(s.exercise_id)?.completed_at
    ).toBe(s.submitted_at);
  });
});

describe('ProgressStore with an account', () => {
  it('test_results_go_into_the_outbox_of_the_account', () => {
    const store = new ProgressStore(new MemoryStorage());
    store.setSession(session);
    store.record(submission());
    expect(store.pendingCount()).toBe(1);
    expect(store.guestSubmissions()).toHaveLength(0);
  });

  it('test_acknowledged_ids_are_not_queued_again', () => {
    const store = new ProgressStore(new MemoryStorage());
    store.setSession(session);
    const s = submission();
    store.record(s);
    store.acknowledge([s.id]);
    expect(store.record(s)).toBe(false);
    expect(store.pendingCount()).toBe(0);
  });

  it('test_guest_progress_can_be_handed_to_the_account', () => {
    const store = new ProgressStore(new MemoryStorage());
    store.record(submission({ passed: true }));
    store.record(submission());
    store.setSession(session);
    expect(store.uploadGuest()).toBe(2);
    expect(store.pendingCount()).toBe(2);
  });

  it('test_uploaded_guest_progress_is_shown_again_after_logging_out', () => {
    const store = new ProgressStore(new MemoryStorage());
    const s = submission({ passed: true });
    store.record(s);
    store.setSession(session);
    store.uploadGuest();
    store.endSession();
    expect(store.guestSubmissions()).toHaveLength(1);
    expect(store.progress().get(s.exercise_id)?.completed_at).toBe(
      s.submitted_at
    );
  });

  it('test_forgetting_uploaded_guest_progress_removes_it_from_this_browser', () => {
    const storage = new MemoryStorage();
    const store = new ProgressStore(storage);
    const s = submission({ passed: true });
    store.record(s);
    store.setSession(session);
    expect(store.guestUploadedTo(user.id)).toBe(false);
    store.uploadGuest();
    expect(store.guestUploadedTo(user.id)).toBe(true);
    let changes = 0;
    store.onChange(() => changes++);
    expect(store.forgetGuest()).toBe(1);
    expect(changes).toBe(1);
    expect(storage.getItem(KEYS.guest)).toBeNull();
    expect(storage.getItem(KEYS.guestUploaded)).toBeNull();
    expect(store.guestUploadedTo(user.id)).toBe(false);
    // The account's copy still waits in its outbox and is shown until the API has it.
    expect(store.outbox.pending(user.id).map(x => x.id)).toEqual([s.id]);
    expect(store.progress().get(s.exercise_id)?.completed_at).toBe(
      s.submitted_at
    );
    // Logged out: no guest progress is left on this browser.
    store.endSession();
    expect(store.progress().size).toBe(0);
    expect(store.guestSubmissions()).toEqual([]);
  });

  it('test_guest_progress_the_account_does_not_have_is_not_forgotten', () => {
    const storage = new MemoryStorage();
    const store = new ProgressStore(storage);
    store.record(submission({ passed: true }));
    // A guest (nobody to hand it to) and an account that declined the upload keep it all.
    expect(store.forgetGuest()).toBe(0);
    store.setSession(session);
    expect(store.forgetGuest()).toBe(0);
    store.uploadGuest();
    store.endSession();
    // A new guest check after the upload: the account does not have it, so nothing goes.
    store.record(submission());
    store.setSession(session);
    expect(store.guestUploadedTo(user.id)).toBe(false);
    expect(store.forgetGuest()).toBe(0);
    expect(store.guestSubmissions()).toHaveLength(2);
  });

  it('test_the_guest_list_is_not_the_accounts_view', () => {
    const store = new ProgressStore(new MemoryStorage());
    store.record(submission({ passed: true, exercise_id: 'sample.one' }));
    store.setSession(session);
    // Declined: the account's view does not show the guest's checks...
    expect(store.progress().has('sample.one')).toBe(false);
    // ...and checks made while logged in stay the account's.
    store.record(submission({ passed: true, exercise_id: 'sample.two' }));
    store.endSession();
    expect([...store.progress().keys()]).toEqual(['sample.one']);
  });

  it('test_the_offer_names_only_checks_the_account_does_not_have', () => {
    const store = new ProgressStore(new MemoryStorage());
    const first = submission();
    store.record(first);
    expect(store.guestNotUploaded(user.id).map(s => s.id)).toEqual([first.id]);
    store.setSession(session);
    store.uploadGuest();
    expect(store.guestNotUploaded(user.id)).toEqual([]);
    store.acknowledge([first.id]);
    store.endSession();
    // Logged out and back: nothing new to offer; a new guest check is offered alone.
    expect(store.guestNotUploaded(user.id)).toEqual([]);
    const second = submission();
    store.record(second);
    expect(store.guestNotUploaded(user.id).map(s => s.id)).toEqual([second.id]);
    // Another account has none of them yet.
    expect(store.guestNotUploaded('u2')).toHaveLength(2);
  });

  it('test_uploading_twice_sends_each_check_once', () => {
    const store = new ProgressStore(new MemoryStorage());
    store.record(submission());
    store.setSession(session);
    expect(store.uploadGuest()).toBe(1);
    store.acknowledge(store.outbox.pending(user.id).map(s => s.id));
    expect(store.uploadGuest()).toBe(0);
    expect(store.pendingCount()).toBe(0);
  });

  it('test_a_deleted_account_is_forgotten', () => {
    const storage = new MemoryStorage();
    const store = new ProgressStore(storage);
    store.record(submission());
    store.setSession(session);
    store.uploadGuest();
    store.outbox.acknowledge(store.outbox.pending(user.id).map(s => s.id));
    store.forgetAccount(user.id);
    store.endSession();
    expect(storage.getItem(KEYS.guestUploaded)).toBeNull();
    expect(store.guestNotUploaded(user.id)).toHaveLength(1);
  });

  it('test_shown_progress_is_the_account_plus_pending', () => {
    const store = new ProgressStore(new MemoryStorage());
    store.setSession(session);
    store.setAccountProgress(
      [
        {
          exercise_id: 'sample.greet',
          completed_at: null,
          attempts: 2,
          last_code: 'x',
          last_submitted_at: '2024-01-01T00:00:00Z',
          solution_viewed: false
        }
      ],
      true
    );
    store.record(
      submission({ passed: true, submitted_at: '2024-02-01T00:00:00Z' })
    );
    const p = store.progress().get('sample.greet');
    expect(p?.attempts).toBe(3);
    expect(p?.completed_at).toBe('2024-02-01T00:00:00Z');
  });

  it('test_ending_the_session_keeps_the_outbox_and_says_why', () => {
    const store = new ProgressStore(new MemoryStorage());
    store.setSession(session);
    store.record(submission());
    store.endSession('expired');
    expect(store.session()).toBeNull();
    expect(store.sessionEndedReason()).toBe('expired');
    expect(store.outbox.count(user.id)).toBe(1);
    store.setSession(session);
    expect(store.pendingCount()).toBe(1);
    expect(store.sessionEndedReason()).toBeNull();
  });
});

describe('Outbox', () => {
  it('test_acknowledge_removes_only_the_given_ids', () => {
    const outbox = new Outbox(new MemoryStorage());
    const [a, b, c] = [submission(), submission(), submission()];
    outbox.add('u1', [a, b, c]);
    outbox.acknowledge([a.id, c.id, 'unknown']);
    expect(outbox.pending('u1').map(s => s.id)).toEqual([b.id]);
  });

  it('test_batches_hold_at_most_500_items', () => {
    const outbox = new Outbox(new MemoryStorage());
    outbox.add(
      'u1',
      Array.from({ length: 1203 }, () => submission())
    );
    expect(outbox.nextBatch('u1')).toHaveLength(500);
  });

  it('test_batches_stay_under_the_body_limit', () => {
    const outbox = new Outbox(new MemoryStorage());
    const big = Array.from({ length: 40 }, () =>
      submission({ code: 'x'.repeat(60_000) })
    );
    outbox.add('u1', big);
    const batch = outbox.nextBatch('u1');
    expect(batch.length).toBeGreaterThan(0);
    expect(batch.reduce((n, s) => n + wireSize(s), 0)).toBeLessThanOrEqual(
      900_000
    );
  });

  it('test_items_belong_to_their_owner', () => {
    const outbox = new Outbox(new MemoryStorage());
    outbox.add('u1', [submission()]);
    outbox.add('u2', [submission(), submission()]);
    expect(outbox.count('u1')).toBe(1);
    expect(outbox.nextBatch('u2')).toHaveLength(2);
  });

  it('test_adding_an_id_twice_keeps_one', () => {
    const outbox = new Outbox(new MemoryStorage());
    const s = submission();
    expect(outbox.add('u1', [s, s])).toBe(1);
    expect(outbox.add('u1', [s])).toBe(0);
  });
});

describe('exercises of a class course (class: ids)', () => {
  const classId = 'class:0f3a9c2e7b1d4a58/week1.sum';

  it('test_the_outbox_takes_and_keeps_class_ids', () => {
    const storage = new MemoryStorage();
    const store = new ProgressStore(storage);
    store.setSession(session);
    const s = submission({ exercise_id: classId, passed: true });
    expect(store.record(s)).toBe(true);
    // A fresh store on the same storage still reads it (the outbox filter accepts it).
    const again = new ProgressStore(storage);
    expect(again.outbox.pending('u1').map(x => x.exercise_id)).toEqual([
      classId
    ]);
    expect(again.outbox.nextBatch('u1')).toHaveLength(1);
    expect(again.progress().get(classId)?.completed_at).toBeTruthy();
  });

  it('test_malformed_class_ids_are_refused', () => {
    const store = new ProgressStore(new MemoryStorage());
    store.setSession(session);
    for (const id of [
      'class:0f3a9c2e7b1d4a5/week1.sum',
      'class:0F3A9C2E7B1D4A58/week1.sum',
      'class:0f3a9c2e7b1d4a58/',
      'class:0f3a9c2e7b1d4a58/Week1',
      'class:0f3a9c2e7b1d4a58/a/b',
      'klass:0f3a9c2e7b1d4a58/week1.sum'
    ]) {
      expect(store.record(submission({ exercise_id: id }))).toBe(false);
    }
    expect(store.outbox.count('u1')).toBe(0);
  });

  it('test_a_guests_class_checks_are_never_handed_to_an_account', () => {
    const store = new ProgressStore(new MemoryStorage());
    const plain = submission({ passed: true });
    const inClass = submission({ exercise_id: classId, passed: true });
    store.record(plain);
    store.record(inClass);
    store.setSession(session);
    expect(store.guestNotUploaded('u1').map(s => s.id)).toEqual([plain.id]);
    expect(store.uploadGuest()).toBe(1);
    expect(store.outbox.pending('u1').map(s => s.id)).toEqual([plain.id]);
    expect(store.guestUploadedTo('u1')).toBe(true);
  });
});
