/**
 * docs/api.md's progress rules, the same on every side: a set of submissions yields one
 * progress per exercise whatever the order they arrive in. docs/merge-vectors.json is
 * their single source: the API's SQL and Python folds and this module all run it.
 */
import type { IProgress, ISubmission } from './types';

const RFC3339 =
  /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?:[.,](\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 time as microseconds since the epoch (the API keeps microseconds; Date.parse
 * alone would round them to milliseconds); NaN when it cannot be read.
 */
export function microseconds(time: string): number {
  const match = RFC3339.exec(time.trim());
  if (match) {
    const seconds = Date.parse(
      `${match[1].replace(/[t ]/, 'T')}${match[3].toUpperCase()}`
    );
    const fraction = Number(((match[2] ?? '') + '000000').slice(0, 6));
    return seconds * 1000 + fraction;
  }
  return Date.parse(time) * 1000;
}

/** Orders RFC 3339 times by instant, to the microsecond; unparsable times sort first. */
function compareTimes(a: string, b: string): number {
  const ta = microseconds(a);
  const tb = microseconds(b);
  const na = Number.isNaN(ta) ? -Infinity : ta;
  const nb = Number.isNaN(tb) ? -Infinity : tb;
  return na === nb ? 0 : na < nb ? -1 : 1;
}

/** Submission ids are UUIDs; the API compares them in their lower-case form. */
function canonicalId(id: string): string {
  return id.toLowerCase();
}

/** True when (time, id) `a` is later than `b`: later time, equal times → the greater id. */
function isLaterThan(
  aTime: string,
  aId: string,
  bTime: string,
  bId: string
): boolean {
  const order = compareTimes(aTime, bTime);
  return order > 0 || (order === 0 && canonicalId(aId) > canonicalId(bId));
}

/**
 * The progress of one exercise from its submissions (duplicates by id count once). The
 * rules are docs/api.md's; docs/merge-vectors.json pins them for the API and for this.
 */
export function progressOf(
  exerciseId: string,
  submissions: Iterable<ISubmission>
): IProgress {
  const seen = new Set<string>();
  let completed: string | null = null;
  let latest: ISubmission | null = null;
  let solutionViewed = false;
  for (const s of submissions) {
    const id = canonicalId(s.id);
    if (s.exercise_id !== exerciseId || seen.has(id)) {
      continue;
    }
    seen.add(id);
    if (
      s.passed &&
      (completed === null || compareTimes(s.submitted_at, completed) < 0)
    ) {
      completed = s.submitted_at;
    }
    if (
      latest === null ||
      isLaterThan(s.submitted_at, s.id, latest.submitted_at, latest.id)
    ) {
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
    last_id: latest ? canonicalId(latest.id) : null,
    solution_viewed: solutionViewed
  };
}

/** Progress of every exercise that has at least one submission. */
export function progressBySubmissions(
  submissions: Iterable<ISubmission>
): Map<string, IProgress> {
  const groups = new Map<string, ISubmission[]>();
  for (const s of submissions) {
    const group = groups.get(s.exercise_id);
    if (group) {
      group.push(s);
    } else {
      groups.set(s.exercise_id, [s]);
    }
  }
  const result = new Map<string, IProgress>();
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
  known: IProgress | undefined,
  pending: ISubmission[],
  exerciseId: string
): IProgress {
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
  // The same choice as the API's: the later time, equal times → the greater id. (An API
  // that does not report `last_id` leaves equal times to the pending submission.)
  const localIsLater =
    known.last_submitted_at === null ||
    (local.last_submitted_at !== null &&
      isLaterThan(
        local.last_submitted_at,
        local.last_id ?? '',
        known.last_submitted_at,
        known.last_id ?? ''
      ));
  const later = localIsLater ? local : known;
  return {
    exercise_id: exerciseId,
    completed_at: completed ?? null,
    attempts: known.attempts + local.attempts,
    last_code: later.last_code,
    last_submitted_at: later.last_submitted_at,
    last_id: later.last_id ?? null,
    solution_viewed: known.solution_viewed || local.solution_viewed
  };
}
