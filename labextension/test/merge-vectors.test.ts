/**
 * docs/merge-vectors.json, the single source of the progress merge rules, run through the
 * browser's side: progressOf, and the ProgressStore as a guest and as an account whose
 * progress is part reported by the API and part still waiting in the outbox. The API runs
 * the same file (tests/api/test_merge_vectors.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { microseconds, progressBySubmissions } from '../src/merge';
import { ProgressStore } from '../src/store';
import type { IProgress, ISubmission } from '../src/types';
import { MemoryStorage, permutations } from './helpers';

interface ICase {
  name: string;
  rule: string;
  submissions: ISubmission[];
  progress: IProgress[];
}

const vectors = JSON.parse(
  readFileSync(
    new URL('../../docs/merge-vectors.json', import.meta.url),
    'utf-8'
  )
) as { cases: ICase[] };

const user = {
  id: 'u1',
  username: 'ada',
  email: 'ada@example.org',
  created_at: '2024-01-01T00:00:00Z'
};

function time(value: string | null | undefined): number | null {
  return value === null || value === undefined ? null : microseconds(value);
}

/** Progress with times as instants (microseconds), by exercise id. */
function comparable(progress: Iterable<IProgress>) {
  return [...progress]
    .map(p => ({
      exercise_id: p.exercise_id,
      completed_at: time(p.completed_at),
      attempts: p.attempts,
      last_id: p.last_id,
      last_code: p.last_code,
      last_submitted_at: time(p.last_submitted_at),
      solution_viewed: p.solution_viewed
    }))
    .sort((a, b) => (a.exercise_id < b.exercise_id ? -1 : 1));
}

function orders(items: ISubmission[]): ISubmission[][] {
  if (items.length <= 4) {
    return permutations(items);
  }
  const rotations = items.map((_, shift) => [
    ...items.slice(shift),
    ...items.slice(0, shift)
  ]);
  return [...rotations, [...items].reverse()];
}

function accountStore(): ProgressStore {
  const store = new ProgressStore(new MemoryStorage());
  store.setSession({ token: 'T', user });
  return store;
}

describe('docs/merge-vectors.json', () => {
  it('test_the_file_has_cases', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const c of vectors.cases) {
    describe(c.name, () => {
      const expected = comparable(c.progress);

      it('test_progress_of_any_order', () => {
        for (const order of orders(c.submissions)) {
          expect(comparable(progressBySubmissions(order).values())).toEqual(
            expected
          );
        }
      });

      it('test_guest_store', () => {
        for (const order of orders(c.submissions)) {
          const store = new ProgressStore(new MemoryStorage());
          order.forEach(s => store.record(s));
          expect(comparable(store.progress().values())).toEqual(expected);
        }
      });

      it('test_account_store_with_reported_and_pending_parts', () => {
        for (const order of [c.submissions, [...c.submissions].reverse()]) {
          for (let cut = 0; cut <= order.length; cut++) {
            const reported = order.slice(0, cut);
            const store = accountStore();
            // What the API answered for the submissions it already has.
            store.setAccountProgress(
              [...progressBySubmissions(reported).values()],
              true
            );
            store.acknowledge(reported.map(s => s.id));
            order.slice(cut).forEach(s => store.record(s));
            expect(comparable(store.progress().values()), `cut ${cut}`).toEqual(
              expected
            );
          }
        }
      });
    });
  }
});
