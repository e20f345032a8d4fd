/**
 * API.md's progress rules, the same on every side: a set of submissions yields one
 * progress per exercise whatever the order they arrive in.
 */
import type { Progress, Submission } from './types';

/** Orders RFC 3339 times by instant; unparsable times sort first. */
export function compareTimes(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  const na = Number.isNaN(ta) ? -Infinity : ta;
  const nb = Number.isNaN(tb) ? -Infinity : tb;
  return na === nb ? 0 : na < nb ? -1 : 1;
}

/** True when `a` is the later submission: later time, equal times → the greater id. */
function isLater(a: Submission, b: Submission): boolean {
  const order = compareTimes(a.submitted_at, b.submitted_at);
  return order > 0 || (order === 0 && a.id > b.id);
}

/** The progress of one exercise from its submissions (duplicates by id count once). */
export function progressOf(exerciseId: string, submissions: Iterable<Submission>): Progress {
  const seen = new Set<string>();
  let completed: string | null = null;
  let latest: Submission | null = null;
  let solutionViewed = false;
  for (const s of submissions) {
    if (s.exercise_id !== exerciseId || seen.has(s.id)) {
      continue;
    }
    seen.add(s.id);
    if (s.passed && (completed === null || compareTimes(s.submitted_at, completed) < 0)) {
      completed = s.submitted_at;
    }
    if (latest === null || isLater(s, latest)) {
      latest = s;
    }
    solutionViewed = solutionViewed || s.solution_viewed === true;
  }
  return {
    exercise_id: exerciseId,
    completed_at: completed,
    attempts: seen.size,
    last_code: latest ? latest.code : null,
    last_submitted_at: latest ? latest.submitted_at : null,
    solution_viewed: solutionViewed
  };
}

/** Progress of every exercise that has at least one submission. */
export function progressBySubmissions(submissions: Iterable<Submission>): Map<string, Progress> {
  const groups = new Map<string, Submission[]>();
  for (const s of submissions) {
    const group = groups.get(s.exercise_id);
    if (group) {
      group.push(s);
    } else {
      groups.set(s.exercise_id, [s]);
    }
  }
  const result = new Map<string, Progress>();
  for (const [id, group] of groups) {
    result.set(id, progressOf(id, group));
  }
  return result;
}

/**
 * The account's progress as the API last reported it, plus submissions it has not
 * acknowledged yet (the outbox): what the API will report once they arrive.
 */
export function addPending(
  known: Progress | undefined,
  pending: Submission[],
  exerciseId: string
): Progress {
  const local = progressOf(exerciseId, pending);
  if (!known) {
    return local;
  }
  if (local.attempts === 0) {
    return known;
  }
  const completed = [known.completed_at, local.completed_at]
    .filter((t): t is string => t !== null)
    .sort(compareTimes)[0];
  const localIsLater =
    known.last_submitted_at === null ||
    (local.last_submitted_at !== null &&
      compareTimes(local.last_submitted_at, known.last_submitted_at) >= 0);
  return {
    exercise_id: exerciseId,
    completed_at: completed ?? null,
    attempts: known.attempts + local.attempts,
    last_code: localIsLater ? local.last_code : known.last_code,
    last_submitted_at: localIsLater ? local.last_submitted_at : known.last_submitted_at,
    solution_viewed: known.solution_viewed || local.solution_viewed
  };
}
