/**
 * What the account forms say when the PyLearn API refuses them: one plain sentence per
 * field, shown next to that field, instead of the API's technical validation text.
 */
import { ApiError } from './api';

export type AuthForm = 'login' | 'register' | 'forgot';

/** What went wrong with a form: sentences per field name, and/or one for the whole form. */
export interface IFormProblem {
  message: string | null;
  fields: Record<string, string>;
}

/** The fields each form has (the API's field names, which are also the inputs' names). */
const FORM_FIELDS: Record<AuthForm, string[]> = {
  login: ['login', 'password'],
  register: ['username', 'email', 'password'],
  forgot: ['email']
};

const FIELD_NAMES: Record<string, string> = {
  login: 'username or email',
  username: 'username',
  email: 'email address',
  password: 'password'
};

function atLeast(message: string): number | null {
  const match = /at least (\d+) character/i.exec(message);
  return match ? Number(match[1]) : null;
}

function atMost(message: string): number | null {
  const match = /at most (\d+) character/i.exec(message);
  return match ? Number(match[1]) : null;
}

/** One of the API's validation messages about `field`, as a sentence for the learner. */
export function fieldSentence(field: string, message: string): string {
  const name = FIELD_NAMES[field] ?? field;
  if (/field required|missing/i.test(message)) {
    return field === 'login'
      ? 'Enter your username or email address.'
      : `Enter your ${name}.`;
  }
  const min = atLeast(message);
  const max = atMost(message);
  switch (field) {
    case 'password':
      if (min !== null) {
        return `Your password needs at least ${min} characters.`;
      }
      if (max !== null) {
        return `Your password can have at most ${max} characters.`;
      }
      return 'This password cannot be used; try another one.';
    case 'username':
      if (min !== null || max !== null || /pattern/i.test(message)) {
        return 'Your username needs 3 to 20 characters: letters, digits, and _ - . only (no spaces).';
      }
      return 'This username cannot be used; try another one.';
    case 'email':
      return 'Enter a valid email address, like ada@example.org.';
    case 'login':
      return 'Enter your username or email address.';
  }
  const text = message.replace(/^Value error, /, '');
  return `Check the ${name}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

/** The refusal of a login or registration, in sentences placed where the learner looks. */
export function formProblem(error: unknown, form: AuthForm): IFormProblem {
  const problem: IFormProblem = { message: null, fields: {} };
  if (!(error instanceof ApiError)) {
    problem.message = 'Something went wrong. Please try again.';
    return problem;
  }
  const known = FORM_FIELDS[form];
  if (error.status === 422) {
    for (const { field, message } of error.fieldErrors) {
      const name = field.split('.')[0];
      if (known.includes(name)) {
        problem.fields[name] ??= fieldSentence(name, message);
      }
    }
    if (Object.keys(problem.fields).length === 0) {
      problem.message =
        'Some of what you entered was not accepted. Check the fields and try again.';
    }
    return problem;
  }
  if (error.status === 409 && form === 'register') {
    const detail = error.detail ?? '';
    if (/email/i.test(detail) && !/username/i.test(detail)) {
      problem.fields.email =
        'An account with this email address already exists. Log in instead, or use another address.';
    } else if (/username/i.test(detail) && !/email/i.test(detail)) {
      problem.fields.username = 'This username is taken. Choose another one.';
    } else {
      problem.message = 'This username or email address is already taken.';
    }
    return problem;
  }
  if (error.status === 401 && form === 'login') {
    problem.message =
      'That username or email and password do not match an account. Check them and try again.';
    return problem;
  }
  problem.message = error.message;
  return problem;
}

/** Everything a problem says, in reading order (for screen readers). */
export function problemSentences(
  problem: IFormProblem,
  form: AuthForm
): string[] {
  const sentences = FORM_FIELDS[form]
    .filter(name => problem.fields[name])
    .map(name => problem.fields[name]);
  return problem.message ? [problem.message, ...sentences] : sentences;
}
