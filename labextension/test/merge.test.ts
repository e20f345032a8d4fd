import { describe, expect, it } from 'vitest';
import { addPending, progressBySubmissions, progressOf } from '../src/merge';
import { permutations, submission } from './helpers';

describe('progressOf (docs/api.md progress rules)', () => {
  const failing = submission({
    submitted_at: '2024-03-01T10:00:00Z',
    passed: false
  });
  const firstPass = submission({
    submitted_at: '2024-03-01T10:05:00Z',
    passed: true
  });
  const laterPass = submission({
    submitted_at: '2024-03-01T11:00:00+01:00',
    passed: true,
    solution_viewed: true
  });
  const latest = submission({
    submitted_at: '2024-03-02T09:00:00.500Z',
    passed: false
  });

  it('test_completed_at_is_the_earliest_passing_time', () => {
    const p = progressOf('sample.greet', [
      latest,
      laterPass,
      firstPass,
      failing
    ]);
    // 11:00+01:00 is 10:00Z, earlier than 10:05Z.
    expect(p.completed_at).toBe(laterPass.submitted_at);
  });

  it('test_never_passed_means_not_completed', () => {
    expect(
      progressOf('sample.greet', [failing, latest]).completed_at
    ).toBeNull();
  });

  it('test_attempts_count_distinct_ids', () => {
    expect(
      progressOf('sample.greet', [failing, failing, firstPass, firstPass])
        .attempts
    ).toBe(2);
  });

  it('test_last_fields_come_from_the_latest_submission', () => {
    const p = progressOf('sample.greet', [latest, failing, firstPass]);
    expect(p.last_code).toBe(latest.code);
    expect(p.last_submitted_at).toBe(latest.submitted_at);
  });

  it('test_equal_times_take_the_greater_id', () => {
    const a = submission({
      id: 'aaaa',
      submitted_at: '2024-05-05T05:05:05Z',
      code: 'a'
    });
    const b = submission({
      id: 'bbbb',
      submitted_at: '2024-05-05T05:05:05.000Z',
      code: 'b'
    });
    expect(progressOf('sample.greet', [a, b]).last_code).toBe('b');
    expect(progressOf('sample.greet', [b, a]).last_code).toBe('b');
  });

  it('test_solution_viewed_when_any_submission_says_so', () => {
    expect(
      progressOf('sample.greet', [failing, laterPass]).solution_viewed
    ).toBe(true);
    expect(
      progressOf('sample.greet', [failing, firstPass]).solution_viewed
    ).toBe(false);
  });

  it('test_result_does_not_depend_on_order_or_duplicates', () => {
    const all = [failing, firstPass, laterPass, latest];
    const expected = progressOf('sample.greet', all);
    for (const order of permutations(all)) {
      expect(progressOf('sample.greet', order)).toEqual(expected);
      expect(
        progressOf('sample.greet', [...order, ...order.slice(0, 2)])
      ).toEqual(expected);
    }
  });

  it('test_groups_by_exercise', () => {
    const other = submission({
      exercise_id: 'sample.reverse-words',
      passed: true
    });
    const map = progressBySubmissions([failing, other, firstPass]);
    expect([...map.keys()].sort()).toEqual([
      'sample.greet',
      'sample.reverse-words'
    ]);
    expect(map.get('sample.greet')?.attempts).toBe(2);
    expect(map.get('sample.reverse-words')?.completed_at).toBe(
      other.submitted_at
    );
  });
});

describe('addPending (account progress plus the outbox)', () => {
  const known = {
    exercise_id: 'sample.greet',
    completed_at: '2024-03-01T10:00:00Z',
    attempts: 3,
    last_code: 'old',
    last_submitted_at: '2024-03-01T10:00:00Z',
    solution_viewed: false
  };

  it('test_pending_submissions_add_attempts_and_newer_last_code', () => {
    const pending = submission({
      submitted_at: '2024-03-05T10:00:00Z',
      code: 'new',
      passed: true
    });
    const p = addPending(known, [pending], 'sample.greet');
    expect(p.attempts).toBe(4);
    expect(p.last_code).toBe('new');
    expect(p.completed_at).toBe(known.completed_at);
  });

  it('test_pending_pass_completes_an_unfinished_exercise', () => {
    const pending = submission({
      submitted_at: '2024-03-05T10:00:00Z',
      passed: true
    });
    const p = addPending(
      { ...known, completed_at: null },
      [pending],
      'sample.greet'
    );
    expect(p.completed_at).toBe(pending.submitted_at);
  });

  it('test_nothing_pending_shows_the_known_progress', () => {
    expect(addPending(known, [], 'sample.greet')).toEqual(known);
  });
});
