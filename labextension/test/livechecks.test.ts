// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';

import { liveSubmission, watchLiveChecks } from '../src/livechecks';
import { KEYS } from '../src/store';
import { SUBMISSION_MIME_TYPE } from '../src/types';
import { submission } from './helpers';

function message(type: string, data: unknown) {
  return { header: { msg_type: type }, content: { data, metadata: {} } };
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
  return { sessionContext: { iopubMessage: new FakeSignal<unknown>() } };
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
