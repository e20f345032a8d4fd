import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ApiClient,
  DEVICE_HEADER,
  DEVICE_KEY,
  Transport,
  deviceId,
  directTransport,
  jsonRequest
} from '../src/api';
import { MemoryStorage } from './helpers';

const user = {
  id: 'u1',
  username: 'ada',
  email: 'ada@example.org',
  created_at: '2024-01-01T00:00:00Z'
};

interface ISent {
  method: string;
  path: string;
  token?: string;
  headers?: Record<string, string>;
}

function recording(): { sent: ISent[]; transport: Transport } {
  const sent: ISent[] = [];
  const transport: Transport = async (method, path, _body, token, headers) => {
    sent.push({ method, path, token, headers });
    return { status: 200, data: { token: 'T', user, items: [] } };
  };
  return { sent, transport };
}

describe('deviceId (docs/api.md, Throttling)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('test_made_once_from_128_random_bits_and_kept', () => {
    const storage = new MemoryStorage();
    const fill = vi.fn((bytes: Uint8Array) => {
      bytes.set(Array.from({ length: bytes.length }, (_, i) => i * 17));
      return bytes;
    });
    const first = deviceId(storage, fill);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(first).toBe('00112233445566778899aabbccddeeff');
    expect(fill).toHaveBeenCalledTimes(1);
    expect(fill.mock.calls[0][0]).toHaveLength(16);
    expect(storage.getItem(DEVICE_KEY)).toBe(first);
    expect(deviceId(storage, fill)).toBe(first);
    expect(fill).toHaveBeenCalledTimes(1);
  });

  it('test_uses_crypto_get_random_values_by_default', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const a = deviceId(new MemoryStorage());
    const b = deviceId(new MemoryStorage());
    expect(spy).toHaveBeenCalledTimes(2);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    spy.mockRestore();
  });

  it('test_a_damaged_kept_value_is_replaced', () => {
    const storage = new MemoryStorage();
    storage.setItem(DEVICE_KEY, 'not an id');
    const id = deviceId(storage);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(storage.getItem(DEVICE_KEY)).toBe(id);
  });

  it('test_refused_storage_still_gives_one_id_per_page', () => {
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => undefined
    };
    const id = deviceId(refusing);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(deviceId(refusing)).toBe(id);
  });

  it('test_default_storage_is_local_storage', () => {
    const storage = new MemoryStorage();
    vi.stubGlobal('localStorage', storage);
    const id = deviceId();
    expect(storage.getItem(DEVICE_KEY)).toBe(id);
    expect(deviceId()).toBe(id);
  });
});

describe('ApiClient sends the device header on login and register only', () => {
  it('test_login_and_register_carry_the_kept_device_id', async () => {
    const storage = new MemoryStorage();
    const { sent, transport } = recording();
    const api = new ApiClient(transport, () => deviceId(storage));
    await api.login('ada', 'correct horse battery');
    await api.register('ada', 'ada@example.org', 'correct horse battery');
    const kept = storage.getItem(DEVICE_KEY);
    expect(kept).toMatch(/^[0-9a-f]{32}$/);
    expect(sent.map(s => s.headers?.[DEVICE_HEADER])).toEqual([kept, kept]);
  });

  it('test_no_other_call_carries_it', async () => {
    const { sent, transport } = recording();
    const api = new ApiClient(transport, () => 'd'.repeat(32));
    await api.me('T');
    await api.progress('T');
    await api.submit('T', []);
    await api.exportData('T');
    await api.deleteAccount('T', 'pw');
    for (const call of sent) {
      expect(call.headers?.[DEVICE_HEADER]).toBeUndefined();
    }
  });

  it('test_the_header_reaches_fetch_through_the_direct_transport', async () => {
    const seen: RequestInit[] = [];
    const fetchFn = (async (_url: string, init: RequestInit) => {
      seen.push(init);
      return new Response(JSON.stringify({ token: 'T', user }), {
        status: 200
      });
    }) as unknown as typeof fetch;
    const api = new ApiClient(
      directTransport('https://api.example.org', fetchFn),
      () => 'e'.repeat(32)
    );
    await api.login('ada', 'correct horse battery');
    const headers = seen[0].headers as Record<string, string>;
    expect(headers[DEVICE_HEADER]).toBe('e'.repeat(32));
    expect(headers['Content-Type']).toBe('application/json');
    expect(headers.Authorization).toBeUndefined();
  });

  it('test_json_request_keeps_its_own_headers_over_extra_ones', () => {
    const request = jsonRequest('POST', {}, 'T', {
      Accept: 'text/html',
      [DEVICE_HEADER]: 'x'
    });
    expect(request.headers.Accept).toBe('application/json');
    expect(request.headers.Authorization).toBe('Bearer T');
    expect(request.headers[DEVICE_HEADER]).toBe('x');
  });
});

describe('classCourseIfChanged (docs/api.md, Course bundles)', () => {
  const bundle = {
    format: 1,
    course: { title: 'Python 101', chapters: [] },
    notebooks: {}
  };

  it('test_the_direct_transport_sends_if_none_match_and_reads_the_etag', async () => {
    const seen: RequestInit[] = [];
    const urls: string[] = [];
    const fetchFn = (async (url: string, init: RequestInit) => {
      urls.push(url);
      seen.push(init);
      return new Response(JSON.stringify(bundle), {
        status: 200,
        headers: { ETag: '"v2"', 'Content-Type': 'application/json' }
      });
    }) as unknown as typeof fetch;
    const api = new ApiClient(
      directTransport('https://api.example.org', fetchFn)
    );
    const answer = await api.classCourseIfChanged(
      'T',
      '0f3a9c2e7b1d4a58',
      '"v1"'
    );
    expect(urls[0]).toBe(
      'https://api.example.org/api/v1/classes/0f3a9c2e7b1d4a58/course'
    );
    const headers = seen[0].headers as Record<string, string>;
    expect(headers['If-None-Match']).toBe('"v1"');
    expect(headers.Authorization).toBe('Bearer T');
    expect(answer).toEqual({ kind: 'changed', etag: '"v2"', bundle });
  });

  it('test_no_if_none_match_without_a_kept_copy', async () => {
    const { sent, transport } = recording();
    await new ApiClient(transport).classCourseIfChanged('T', 'abc', null);
    expect(sent[0].headers?.['If-None-Match']).toBeUndefined();
  });

  it('test_304_is_unchanged_404_is_missing_and_other_errors_reject', async () => {
    const answering =
      (status: number): Transport =>
      async () => ({
        status,
        data: status === 500 ? { detail: 'Boom.' } : null
      });
    expect(
      await new ApiClient(answering(304)).classCourseIfChanged('T', 'a', '"v"')
    ).toEqual({ kind: 'unchanged' });
    expect(
      await new ApiClient(answering(404)).classCourseIfChanged('T', 'a', null)
    ).toEqual({ kind: 'missing' });
    await expect(
      new ApiClient(answering(500)).classCourseIfChanged('T', 'a', null)
    ).rejects.toMatchObject({ status: 500, message: 'Boom.' });
    await expect(
      new ApiClient(answering(0)).classCourseIfChanged('T', 'a', null)
    ).rejects.toMatchObject({ status: 0 });
  });
});
