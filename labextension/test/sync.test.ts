import { describe, expect, it } from 'vitest';
import {
  ApiClient,
  IApiResponse,
  Transport,
  directTransport,
  errorSentence,
  tokenExpired
} from '../src/api';
import { ProgressStore } from '../src/store';
import { Backoff, SyncEngine, ITimers, describeSync } from '../src/sync';
import type { ISubmission } from '../src/types';
import { MemoryStorage, jwt, submission } from './helpers';

const user = {
  id: 'u1',
  username: 'ada',
  email: 'ada@example.org',
  created_at: '2024-01-01T00:00:00Z'
};
const future = () => jwt(Math.floor(Date.now() / 1000) + 3600);

interface ICall {
  method: string;
  path: string;
  body: unknown;
  token?: string;
}

/** A scripted API: each answer is taken in turn; calls are recorded. */
function fakeApi(
  answers: Array<IApiResponse | ((call: ICall) => IApiResponse)>
) {
  const calls: ICall[] = [];
  const transport: Transport = async (method, path, body, token) => {
    const call = { method, path, body, token };
    calls.push(call);
    const next = answers.shift() ?? { status: 0, data: null };
    return typeof next === 'function' ? next(call) : next;
  };
  return { calls, api: new ApiClient(transport) };
}

function acceptAll(call: ICall): IApiResponse {
  const items = (call.body as { items: ISubmission[] }).items;
  return {
    status: 200,
    data: {
      items: [...new Set(items.map(s => s.exercise_id))].map(id => ({
        exercise_id: id,
        completed_at: null,
        attempts: items.filter(s => s.exercise_id === id).length,
        last_code: null,
        last_submitted_at: null,
        solution_viewed: false
      }))
    }
  };
}

class ManualTimers implements ITimers {
  pending: Array<{ fn: () => void; ms: number }> = [];
  setTimeout(fn: () => void, ms: number): unknown {
    const entry = { fn, ms };
    this.pending.push(entry);
    return entry;
  }
  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter(e => e !== handle);
  }
}

function loggedInStore(token = future()) {
  const store = new ProgressStore(new MemoryStorage());
  store.setSession({ token, user });
  return store;
}

describe('SyncEngine', () => {
  it('test_a_guest_sends_nothing', async () => {
    const store = new ProgressStore(new MemoryStorage());
    store.record(submission({ passed: true }));
    const { api, calls } = fakeApi([]);
    const engine = new SyncEngine(store, api);
    await engine.start();
    engine.recorded();
    await engine.flush();
    expect(calls).toHaveLength(0);
    expect(engine.state.kind).toBe('guest');
  });

  it('test_acknowledged_batch_leaves_the_outbox', async () => {
    const store = loggedInStore();
    const { api, calls } = fakeApi([
      { status: 200, data: { items: [] } },
      acceptAll
    ]);
    store.record(submission());
    store.record(submission());
    const engine = new SyncEngine(store, api);
    await engine.start();
    expect(calls.map(c => `${c.method} ${c.path}`)).toEqual([
      'GET /progress',
      'POST /submissions'
    ]);
    expect(store.pendingCount()).toBe(0);
    expect(engine.state).toEqual({ kind: 'synced' });
  });

  it('test_results_recorded_during_a_request_stay_for_the_next_batch', async () => {
    const store = loggedInStore();
    const late = submission();
    const { api, calls } = fakeApi([
      call => {
        store.record(late);
        return acceptAll(call);
      },
      acceptAll
    ]);
    store.record(submission());
    const engine = new SyncEngine(store, api);
    await engine.flush();
    await engine.flush();
    expect(calls).toHaveLength(2);
    expect(
      (calls[1].body as { items: ISubmission[] }).items.map(s => s.id)
    ).toEqual([late.id]);
    expect(store.pendingCount()).toBe(0);
  });

  it('test_failure_keeps_the_outbox_and_retries_with_backoff', async () => {
    const store = loggedInStore();
    const timers = new ManualTimers();
    const { api } = fakeApi([
      { status: 0, data: null },
      { status: 502, data: {} },
      acceptAll
    ]);
    store.record(submission());
    const engine = new SyncEngine(store, api, {
      timers,
      backoff: new Backoff(1000, 60_000, () => 1)
    });
    await engine.flush();
    expect(store.pendingCount()).toBe(1);
    expect(engine.state).toMatchObject({
      kind: 'waiting',
      waiting: 1,
      retryInMs: 1000
    });
    expect(describeSync(engine.state)).toContain('1 waiting');

    timers.pending.shift()?.fn();
    await engine.whenIdle();
    expect(timers.pending[0].ms).toBe(2000);

    timers.pending.shift()?.fn();
    await engine.whenIdle();
    expect(store.pendingCount()).toBe(0);
    expect(engine.state.kind).toBe('synced');
    expect(engine.backoff.failures).toBe(0);
  });

  it('test_backoff_doubles_up_to_a_cap', () => {
    const backoff = new Backoff(1000, 60_000, () => 1);
    const delays = Array.from({ length: 9 }, () => backoff.fail());
    expect(delays).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000
    ]);
  });

  it('test_401_ends_the_session_and_keeps_the_outbox', async () => {
    const store = loggedInStore();
    const { api } = fakeApi([
      { status: 401, data: { detail: 'Token revoked' } }
    ]);
    store.record(submission());
    const engine = new SyncEngine(store, api);
    await engine.flush();
    expect(store.session()).toBeNull();
    expect(engine.state.kind).toBe('relogin');
    expect(describeSync(engine.state)).toContain('please log in again');
    expect(store.outbox.count(user.id)).toBe(1);
  });

  it('test_an_expired_token_is_never_sent', async () => {
    const store = loggedInStore(jwt(Math.floor(Date.now() / 1000) - 10));
    const { api, calls } = fakeApi([]);
    store.record(submission());
    const engine = new SyncEngine(store, api);
    await engine.start();
    expect(calls).toHaveLength(0);
    expect(engine.state.kind).toBe('relogin');
    expect(store.outbox.count(user.id)).toBe(1);
  });

  it('test_large_outbox_goes_in_batches_of_500', async () => {
    const store = loggedInStore();
    const { api, calls } = fakeApi([acceptAll, acceptAll, acceptAll]);
    store.outbox.add(
      user.id,
      Array.from({ length: 1100 }, () => submission())
    );
    await new SyncEngine(store, api).flush();
    expect(
      calls.map(c => (c.body as { items: unknown[] }).items.length)
    ).toEqual([500, 500, 100]);
    expect(store.pendingCount()).toBe(0);
  });

  it('test_a_refused_item_does_not_block_the_others', async () => {
    const store = loggedInStore();
    const bad = submission({ code: 'x' });
    const good = submission();
    const refuse = (call: ICall): IApiResponse =>
      (call.body as { items: ISubmission[] }).items.some(s => s.id === bad.id)
        ? { status: 422, data: { detail: 'code is too long' } }
        : acceptAll(call);
    const { api } = fakeApi([refuse, refuse, refuse, refuse]);
    store.record(bad);
    store.record(good);
    const engine = new SyncEngine(store, api);
    await engine.flush();
    expect(store.pendingCount()).toBe(0);
    expect(engine.state.kind).toBe('synced');
  });
});

describe('tokens', () => {
  it('test_token_expiry_is_read_from_exp', () => {
    const now = Date.UTC(2024, 0, 1);
    expect(tokenExpired(jwt(now / 1000 + 60), now)).toBe(false);
    expect(tokenExpired(jwt(now / 1000 - 1), now)).toBe(true);
  });

  it('test_a_malformed_token_counts_as_expired', () => {
    expect(tokenExpired('not-a-jwt')).toBe(true);
    expect(tokenExpired('a.b.c')).toBe(true);
  });
});

describe('directTransport', () => {
  it('test_sends_bearer_token_without_credentials', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const fetchFn = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ items: [] }), { status: 200 });
    }) as unknown as typeof fetch;
    const transport = directTransport('https://api.example.org/', fetchFn);
    const answer = await transport('GET', '/progress', undefined, 'T');
    expect(answer).toEqual({ status: 200, data: { items: [] } });
    expect(seen[0].url).toBe('https://api.example.org/api/v1/progress');
    expect(seen[0].init.credentials).toBe('omit');
    expect((seen[0].init.headers as Record<string, string>).Authorization).toBe(
      'Bearer T'
    );
  });

  it('test_network_failure_is_status_0', async () => {
    const fetchFn = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    expect(await directTransport('http://x', fetchFn)('GET', '/me')).toEqual({
      status: 0,
      data: null
    });
  });
});

describe('errorSentence', () => {
  it('test_field_errors_are_named', () => {
    const data = {
      detail: 'Some fields are invalid: username.',
      errors: [{ field: 'username', message: 'at least 3 characters' }]
    };
    expect(errorSentence(422, data)).toBe(
      'Some fields are invalid: username. username: at least 3 characters'
    );
  });

  it('test_offline_says_pylearn_keeps_trying', () => {
    expect(errorSentence(0, null)).toContain('keep trying');
  });
});
