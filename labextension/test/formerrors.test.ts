import { describe, expect, it } from 'vitest';
import { ApiError, errorSentence } from '../src/api';
import {
  fieldSentence,
  formProblem,
  problemSentences
} from '../src/formerrors';

function refusal(status: number, data: unknown): ApiError {
  return new ApiError(status, errorSentence(status, data), data);
}

describe('account form errors', () => {
  it('test_a_short_password_is_told_in_a_sentence_next_to_the_field', () => {
    const error = refusal(422, {
      detail: 'Some fields are invalid: password.',
      errors: [
        {
          field: 'password',
          message: 'String should have at least 8 characters'
        }
      ]
    });
    const problem = formProblem(error, 'register');
    expect(problem.fields).toEqual({
      password: 'Your password needs at least 8 characters.'
    });
    expect(problem.message).toBeNull();
    expect(JSON.stringify(problem)).not.toContain('String should');
  });

  it('test_every_invalid_field_gets_its_own_sentence', () => {
    const error = refusal(422, {
      detail: 'Some fields are invalid: username, email.',
      errors: [
        {
          field: 'username',
          message: "String should match pattern '^[A-Za-z0-9_.-]{3,20}$'"
        },
        {
          field: 'email',
          message: 'must be a valid email address, like ada@example.org'
        }
      ]
    });
    const problem = formProblem(error, 'register');
    expect(problem.fields.username).toMatch(
      /^Your username needs 3 to 20 characters/
    );
    expect(problem.fields.email).toBe(
      'Enter a valid email address, like ada@example.org.'
    );
    expect(problemSentences(problem, 'register')).toHaveLength(2);
  });

  it('test_a_taken_username_or_email_is_told_at_that_field', () => {
    const taken = formProblem(
      refusal(409, {
        detail: 'That username is already taken; choose another one.'
      }),
      'register'
    );
    expect(taken.fields).toEqual({
      username: 'This username is taken. Choose another one.'
    });
    const email = formProblem(
      refusal(409, {
        detail:
          'An account with that email address already exists; log in or reset its password.'
      }),
      'register'
    );
    expect(Object.keys(email.fields)).toEqual(['email']);
    const either = formProblem(
      refusal(409, {
        detail: 'That username or email address is already taken.'
      }),
      'register'
    );
    expect(either.message).toBe(
      'This username or email address is already taken.'
    );
  });

  it('test_a_wrong_login_and_other_refusals_are_one_sentence', () => {
    const wrong = formProblem(
      refusal(401, { detail: 'The login or the password is not correct.' }),
      'login'
    );
    expect(wrong.message).toMatch(/do not match an account/);
    const locked = formProblem(
      refusal(429, {
        detail: 'Too many failed logins for this account; wait 15 minute(s).'
      }),
      'login'
    );
    expect(locked.message).toBe(
      'Too many failed logins for this account; wait 15 minute(s).'
    );
    const offline = formProblem(refusal(0, null), 'login');
    expect(offline.message).toMatch(/cannot be reached/);
    expect(formProblem(new Error('boom'), 'login').message).toMatch(
      /Something went wrong/
    );
  });

  it('test_unknown_fields_do_not_leak_the_raw_text', () => {
    const problem = formProblem(
      refusal(422, {
        detail: 'Some fields are invalid: body.',
        errors: [{ field: 'body', message: 'Field required' }]
      }),
      'login'
    );
    expect(problem.fields).toEqual({});
    expect(problem.message).toMatch(/Check the fields and try again/);
  });

  it('test_field_sentences', () => {
    expect(
      fieldSentence('password', 'String should have at most 1024 characters')
    ).toBe('Your password can have at most 1024 characters.');
    expect(fieldSentence('login', 'Field required')).toBe(
      'Enter your username or email address.'
    );
    expect(fieldSentence('email', 'Field required')).toBe(
      'Enter your email address.'
    );
  });
});
