import type { KeyValue } from '../src/store';
import type { ISubmission } from '../src/types';

export class MemoryStorage implements KeyValue {
  readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.has(key) ? (this.data.get(key) as string) : null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

let counter = 0;

export function submission(overrides: Partial<ISubmission> = {}): ISubmission {
  counter++;
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    exercise_id: 'sample.greet',
    code: `print(${counter})`,
    passed: false,
    submitted_at: `2024-01-01T10:00:${String(counter % 60).padStart(2, '0')}.000Z`,
    exercise_version: '1',
    solution_viewed: false,
    ...overrides
  };
}

/** A JWT-shaped token (unsigned: the client never verifies, it only reads `exp`). */
export function jwt(expSeconds: number): string {
  const encode = (value: unknown) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: 'u1', exp: expSeconds })}.sig`;
}

export function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) {
    return [items];
  }
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map(rest => [
      item,
      ...rest
    ])
  );
}
