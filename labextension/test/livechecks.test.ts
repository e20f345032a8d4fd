// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';

import {
  forNotebook,
  liveSubmission,
  watchLiveChecks
} from '../src/livechecks';
import { KEYS } from '../src/store';
import { SUBMISSION_MIME_TYPE } from '../src/types';
import { submission } from './helpers';

/** An output message answering a request of the connection `client`. */
function message(type: string, data: unknown, client = 'client-1') {
  return {
    header: { msg_type: type },
    parent_header: { session: client },
    content: { data, metadata: {} }
  };
}

/** A session context whose kernel connection is `client`. */
function sessionOf(client = 'client-1') {
  return {
    iopubMessage: new FakeSignal<unknown>(),
    session: { kernel: { clientId: client } }
  };
}

describe('liveSubmission', () => {
  it('test_a_live_display_data_carrying_a_submission_records_it', () => {
    const s = submission({ passed: true });
    expect(
      liveSubmission(message('display_data', { [SUBMISSION_MIME_TYPE]: s }))
    ).toEqual(s);
  });

  it('test_update_display_data_and_execute_result_record_too', () => {
    const s = submission({ passed: true });
    expect(
      liveSubmission(
        message('update_display_data', { [SUBMISSION_MIME_TYPE]: s })
      )
    ).toEqual(s);
    expect(
      liveSubmission(message('execute_result', { [SUBMISSION_MIME_TYPE]: s }))
    ).toEqual(s);
  });

  it('test_a_message_of_another_type_records_nothing', () => {
    const s = submission({ passed: true });
    for (const type of [
      'stream',
      'status',
      'execute_input',
      'error',
      'comm_msg'
    ]) {
      expect(
        liveSubmission(message(type, { [SUBMISSION_MIME_TYPE]: s }))
      ).toBeNull();
    }
  });

  it('test_a_malformed_payload_records_nothing', () => {
    const s = submission({ passed: true });
    expect(
      liveSubmission(
        message('display_data', {
          [SUBMISSION_MIME_TYPE]: { ...s, exercise_id: '../x' }
        })
      )
    ).toBeNull();
    expect(
      liveSubmission(
        message('display_data', { [SUBMISSION_MIME_TYPE]: JSON.stringify(s) })
      )
    ).toBeNull();
    expect(liveSubmission(message('display_data', null))).toBeNull();
    expect(
      liveSubmission({ header: { msg_type: 'display_data' }, content: 'nope' })
    ).toBeNull();
    expect(liveSubmission({ header: null, content: {} })).toBeNull();
    expect(liveSubmission(null)).toBeNull();
  });

  it('test_a_non_submission_output_records_nothing', () => {
    expect(
      liveSubmission(
        message('display_data', {
          'text/plain': 'passed',
          'text/html': '<b>ok</b>'
        })
      )
    ).toBeNull();
  });
});

/** Just enough of a notebook tracker and its panels' session contexts. */
class FakeSignal<T> {
  private slots: ((sender: unknown, value: T) => void)[] = [];
  connect(slot: (sender: unknown, value: T) => void): void {
    this.slots.push(slot);
  }
  emit(value: T): void {
    for (const slot of this.slots) {
      slot(this, value);
    }
  }
}

function panel() {
  return { sessionContext: sessionOf() };
}

describe('watchLiveChecks', () => {
  beforeEach(() => window.localStorage.clear());

  it('test_kernel_messages_of_open_and_later_notebooks_are_recorded_once', () => {
    const open = panel();
    const later = panel();
    const widgetAdded = new FakeSignal<unknown>();
    const tracker = {
      forEach: (fn: (p: unknown) => void) => fn(open),
      widgetAdded
    };
    watchLiveChecks(tracker as never);
    widgetAdded.emit(later);
    // A second view of the same notebook shares its session: still one listener.
    widgetAdded.emit({ sessionContext: open.sessionContext });

    const a = submission({ exercise_id: 'sample.one', passed: true });
    const b = submission({ exercise_id: 'sample.two', passed: true });
    let events = 0;
    window.addEventListener('pylearn:recorded', () => events++);
    open.sessionContext.iopubMessage.emit(
      message('display_data', { [SUBMISSION_MIME_TYPE]: a })
    );
    later.sessionContext.iopubMessage.emit(
      message('display_data', { [SUBMISSION_MIME_TYPE]: b })
    );
    later.sessionContext.iopubMessage.emit(
      message('stream', { [SUBMISSION_MIME_TYPE]: b })
    );

    const guest = JSON.parse(window.localStorage.getItem(KEYS.guest) ?? '[]');
    expect(guest.map((s: { id: string }) => s.id)).toEqual([a.id, b.id]);
    expect(events).toBe(2);
  });
});

/** A panel whose notebook has `pylearn` metadata `meta` (undefined: none). */
function notebookPanel(meta: unknown, client = 'client-1') {
  return {
    sessionContext: sessionOf(client),
    context: {
      model: {
        getMetadata: (key: string) => (key === 'pylearn' ? meta : undefined)
      }
    }
  };
}

/** Watches one panel, sends it `s` as a live output, and returns what was recorded. */
function recordedFrom(meta: unknown, s: ReturnType<typeof submission>) {
  const p = notebookPanel(meta);
  watchLiveChecks({
    forEach: (fn: (panel: unknown) => void) => fn(p),
    widgetAdded: new FakeSignal<unknown>()
  } as never);
  p.sessionContext.iopubMessage.emit(
    message('display_data', { [SUBMISSION_MIME_TYPE]: s })
  );
  return JSON.parse(window.localStorage.getItem(KEYS.guest) ?? '[]') as {
    id: string;
    exercise_id: string;
  }[];
}

describe('class notebooks (metadata.pylearn.class)', () => {
  beforeEach(() => window.localStorage.clear());

  it('test_a_class_notebooks_submission_is_recorded_under_its_class_id', () => {
    const s = submission({ exercise_id: 'week1.sum', passed: true });
    const recorded = recordedFrom(
      { format: 1, checks: '', class: '0f3a9c2e7b1d4a58' },
      s
    );
    expect(recorded).toHaveLength(1);
    expect(recorded[0].id).toBe(s.id);
    expect(recorded[0].exercise_id).toBe('class:0f3a9c2e7b1d4a58/week1.sum');
  });

  it('test_a_notebook_without_a_class_marker_records_the_plain_id', () => {
    const s = submission({ exercise_id: 'week1.sum', passed: true });
    expect(recordedFrom({ format: 1, checks: '' }, s)[0].exercise_id).toBe(
      'week1.sum'
    );
    window.localStorage.clear();
    expect(recordedFrom(undefined, s)[0].exercise_id).toBe('week1.sum');
  });

  it('test_a_forged_class_marker_records_nothing', () => {
    for (const forged of [
      '0f3a9c2e7b1d4a5',
      '0F3A9C2E7B1D4A58',
      '0f3a9c2e7b1d4a58/../x',
      'zzzzzzzzzzzzzzzz',
      '',
      42,
      null
    ]) {
      window.localStorage.clear();
      const s = submission({ exercise_id: 'week1.sum', passed: true });
      expect(recordedFrom({ format: 1, class: forged }, s)).toEqual([]);
    }
  });

  it('test_a_kernel_cannot_report_a_class_id_itself', () => {
    const s = submission({
      exercise_id: 'class:0f3a9c2e7b1d4a58/week1.sum',
      passed: true
    });
    expect(
      liveSubmission(message('display_data', { [SUBMISSION_MIME_TYPE]: s }))
    ).toBeNull();
  });

  it('test_forNotebook_maps_only_with_a_valid_marker', () => {
    const s = submission({ exercise_id: 'week1.sum' });
    expect(forNotebook(s, { class: 'abcdef0123456789' })?.exercise_id).toBe(
      'class:abcdef0123456789/week1.sum'
    );
    expect(forNotebook(s, {})).toBe(s);
    expect(forNotebook(s, { class: 'nope' })).toBeNull();
  });
});

describe('a kernel shared by several notebooks', () => {
  beforeEach(() => window.localStorage.clear());

  it('records a check once, for the notebook that ran it', () => {
    // JupyterLite sends a shared kernel's outputs to every notebook connected to it.
    const builtIn = notebookPanel({ format: 1 }, 'client-built-in');
    const ofClass = notebookPanel(
      { format: 1, class: '0f3a9c2e7b1d4a58' },
      'client-class'
    );
    watchLiveChecks({
      forEach: (fn: (panel: unknown) => void) => [builtIn, ofClass].forEach(fn),
      widgetAdded: new FakeSignal<unknown>()
    } as never);
    const s = submission({ exercise_id: 'sample.reverse-words', passed: true });
    const output = message(
      'display_data',
      { [SUBMISSION_MIME_TYPE]: s },
      'client-class'
    );
    builtIn.sessionContext.iopubMessage.emit(output);
    ofClass.sessionContext.iopubMessage.emit(output);

    const guest = JSON.parse(window.localStorage.getItem(KEYS.guest) ?? '[]');
    expect(guest.map((r: { exercise_id: string }) => r.exercise_id)).toEqual([
      'class:0f3a9c2e7b1d4a58/sample.reverse-words'
    ]);
  });

  it('records nothing from an output that answers no request of its own', () => {
    const alone = notebookPanel(undefined, 'client-1');
    watchLiveChecks({
      forEach: (fn: (panel: unknown) => void) => fn(alone),
      widgetAdded: new FakeSignal<unknown>()
    } as never);
    const s = submission({ exercise_id: 'sample.one', passed: true });
    for (const parent of [{}, null, { session: 'someone-else' }]) {
      alone.sessionContext.iopubMessage.emit({
        ...message('display_data', { [SUBMISSION_MIME_TYPE]: s }),
        parent_header: parent
      });
    }
    expect(window.localStorage.getItem(KEYS.guest)).toBeNull();
  });
});

describe('the notebook of a class left', () => {
  beforeEach(() => window.localStorage.clear());

  it('records nothing once the learner is known to have left; records while unknown', () => {
    const meta = { format: 1, class: '0f3a9c2e7b1d4a58' };
    const joined = new Map<string, boolean | undefined>([
      ['0f3a9c2e7b1d4a58', false]
    ]);
    const p = notebookPanel(meta);
    watchLiveChecks(
      {
        forEach: (fn: (panel: unknown) => void) => fn(p),
        widgetAdded: new FakeSignal<unknown>()
      } as never,
      classId => joined.get(classId)
    );
    const left = submission({ exercise_id: 'sample.one', passed: true });
    p.sessionContext.iopubMessage.emit(
      message('display_data', { [SUBMISSION_MIME_TYPE]: left })
    );
    expect(window.localStorage.getItem(KEYS.guest)).toBeNull();

    joined.set('0f3a9c2e7b1d4a58', undefined); // the list of classes is not known
    const unknown = submission({ exercise_id: 'sample.one', passed: true });
    p.sessionContext.iopubMessage.emit(
      message('display_data', { [SUBMISSION_MIME_TYPE]: unknown })
    );
    const kept = JSON.parse(window.localStorage.getItem(KEYS.guest) ?? '[]');
    expect(kept.map((r: { id: string }) => r.id)).toEqual([unknown.id]);
  });
});
