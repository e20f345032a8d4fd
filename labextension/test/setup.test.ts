// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';

vi.mock('@jupyterlab/apputils', () => ({ Notification: { error: vi.fn() } }));
vi.mock('@jupyterlab/cells', () => ({
  CodeCell: class {
    static execute = vi.fn(() => Promise.resolve());
  }
}));
vi.mock('@jupyterlab/notebook', () => ({
  NotebookActions: { executed: { connect: vi.fn() } }
}));

import { CodeCell } from '@jupyterlab/cells';
import { NotebookActions } from '@jupyterlab/notebook';

import { savedVerdict } from '../src/mime';
import {
  answerCells,
  isLearnerNotebook,
  runChecksWhenReady,
  setUpKernels,
  setupCode
} from '../src/setup';
import { SUBMISSION_MIME_TYPE } from '../src/types';

/** The part of a notebook model setup.ts reads: metadata, and cells with ids. */
function model(
  pylearn: unknown,
  cells: Array<{ id: string; pylearn?: unknown }> = []
): any {
  return {
    getMetadata: (key: string) => (key === 'pylearn' ? pylearn : undefined),
    cells: {
      length: cells.length,
      get: (i: number) => ({
        id: cells[i].id,
        getMetadata: (key: string) =>
          key === 'pylearn' ? cells[i].pylearn : undefined
      })
    }
  };
}

const LEARNER = model({ format: 1, checks: 'eJzLSM3JyQcABiwCFQ==' }, [
  { id: 'pylearn-000', pylearn: { role: 'chapter' } },
  { id: 'pylearn-002', pylearn: { role: 'answer', exercise: 'strings.hello' } },
  { id: 'scratch' }
]);

/** The JSON string the setup line passes to Python, read back. */
function payload(code: string): any {
  const literal = /setup_from_front_end\((".*")\)$/.exec(code)![1];
  return JSON.parse(JSON.parse(literal));
}

describe('kernel setup', () => {
  it('test_only_learner_notebooks_are_set_up', () => {
    expect(isLearnerNotebook(LEARNER)).toBe(true);
    expect(isLearnerNotebook(model(undefined))).toBe(false);
    expect(setupCode(model(undefined))).toBeNull();
  });

  it('test_the_setup_line_carries_the_checks_and_the_answer_cells_as_data', () => {
    const code = setupCode(LEARNER)!;
    expect(code.startsWith("__import__('pylearn_jupyter.notebook'")).toBe(true);
    expect(payload(code)).toEqual({
      checks: 'eJzLSM3JyQcABiwCFQ==',
      answers: { 'pylearn-002': 'strings.hello' }
    });
    expect(answerCells(LEARNER)).toEqual({ 'pylearn-002': 'strings.hello' });
  });

  it('test_metadata_cannot_put_code_into_the_setup_line', () => {
    const hostile = model({ format: 1, checks: '")\nimport os#' }, [
      {
        id: "x')\nos.system('id')#",
        pylearn: { role: 'answer', exercise: "'); 1#" }
      }
    ]);
    const code = setupCode(hostile)!;
    expect(code.split('\n')).toHaveLength(1);
    const data = payload(code);
    expect(data.checks).toBeNull(); // not base64: dropped
    expect(data.answers).toEqual({ "x')\nos.system('id')#": "'); 1#" });
  });
});

/** A kernel connection's signals, and the setup lines sent to it. */
function fakeKernel() {
  const slots = {
    status: [] as Array<(k: unknown, s: string) => void>,
    connection: [] as Array<(k: unknown, s: string) => void>
  };
  const sent: string[] = [];
  const kernel: any = {
    connectionStatus: 'connected',
    isDisposed: false,
    statusChanged: { connect: (f: any) => slots.status.push(f) },
    connectionStatusChanged: { connect: (f: any) => slots.connection.push(f) },
    requestExecute: (content: { code: string }) => {
      sent.push(content.code);
      return { done: Promise.resolve({ content: { status: 'ok' } }) };
    }
  };
  const status = (value: string) => slots.status.forEach(f => f(kernel, value));
  const connection = (value: string) => {
    kernel.connectionStatus = value;
    slots.connection.forEach(f => f(kernel, value));
  };
  return { kernel, sent, status, connection };
}

describe('the kernel setup is sent', () => {
  it('test_once_on_connect_once_per_restart_and_once_per_reconnect_without_one', async () => {
    const { kernel, sent, status, connection } = fakeKernel();
    const panel: any = {
      context: { ready: Promise.resolve(), model: LEARNER },
      sessionContext: {
        session: { kernel },
        kernelChanged: { connect: () => undefined }
      }
    };
    setUpKernels(panel);
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(sent).toHaveLength(1); // the kernel the notebook has

    status('restarting'); // a restart asked from this notebook, then its reconnect
    connection('connecting');
    connection('connected');
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(sent).toHaveLength(2);

    // Reconnected to a kernel restarted for another notebook: set up again.
    connection('connecting');
    connection('connected');
    expect(sent).toHaveLength(3);
    expect(sent.every(code => code === setupCode(LEARNER))).toBe(true);
  });
});

describe('saved verdicts', () => {
  it('test_a_verdict_in_the_metadata_is_read', () => {
    const metadata = {
      [SUBMISSION_MIME_TYPE]: {
        verdict: {
          status: 'failed',
          headline: 'Not yet: Hello — 1 of 2 tests pass'
        }
      }
    };
    expect(savedVerdict(metadata)).toEqual({
      status: 'failed',
      headline: 'Not yet: Hello — 1 of 2 tests pass'
    });
  });

  it('test_outputs_without_a_verdict_or_with_an_unknown_status_show_nothing', () => {
    expect(savedVerdict(undefined)).toBeNull();
    expect(savedVerdict({})).toBeNull();
    expect(
      savedVerdict({
        [SUBMISSION_MIME_TYPE]: { verdict: { status: 'pwned', headline: 'x' } }
      })
    ).toBeNull();
  });
});

describe('a check run before the kernel is there', () => {
  /** A notebook panel, its kernel (or none), and a code cell after JupyterLab's run. */
  function setting(options: {
    kernel: boolean;
    executionCount: number | null;
    learner?: boolean;
    source?: string;
  }) {
    const notebook = {};
    const panel = {
      content: notebook,
      context: {
        model: model(options.learner === false ? undefined : { format: 1 })
      },
      sessionContext: { session: options.kernel ? { kernel: {} } : null }
    };
    const tracker = {
      find: (test: (p: unknown) => boolean) => (test(panel) ? panel : undefined)
    };
    const cell = Object.assign(new (CodeCell as any)(), {
      isDisposed: false,
      model: {
        executionCount: options.executionCount,
        sharedModel: {
          getSource: () => options.source ?? '%%exercise a.b\nx = 1'
        }
      }
    });
    const said: string[] = [];
    const connect = vi.mocked(NotebookActions.executed.connect);
    connect.mockClear();
    vi.mocked(CodeCell.execute).mockClear();
    runChecksWhenReady(tracker as any, message => said.push(message));
    const handler = connect.mock.calls[0][0] as (
      s: unknown,
      a: unknown
    ) => void;
    return { panel, notebook, cell, said, handler };
  }

  it('runs at once when the kernel arrived while JupyterLab gave up on it', () => {
    const { notebook, cell, said, handler } = setting({
      kernel: true,
      executionCount: null
    });
    handler(null, { notebook, cell, success: true });
    expect(CodeCell.execute).toHaveBeenCalledTimes(1);
    expect(said).toEqual([]);
  });

  it('waits, and says so, while there is no kernel', () => {
    const { notebook, cell, said, handler } = setting({
      kernel: false,
      executionCount: null
    });
    handler(null, { notebook, cell, success: true });
    expect(CodeCell.execute).not.toHaveBeenCalled();
    expect(said).toEqual([
      'Python is still starting: your cell runs as soon as it is ready.'
    ]);
  });

  it('leaves alone a cell that ran, failed, is empty, or is not a learner notebook', () => {
    for (const options of [
      { kernel: true, executionCount: 3 },
      { kernel: false, executionCount: 3 },
      { kernel: true, executionCount: null, source: '  \n' },
      { kernel: true, executionCount: null, learner: false }
    ]) {
      const { notebook, cell, said, handler } = setting(options);
      handler(null, { notebook, cell, success: true });
      expect(CodeCell.execute).not.toHaveBeenCalled();
      expect(said).toEqual([]);
    }
    const failed = setting({ kernel: true, executionCount: null });
    failed.handler(null, {
      notebook: failed.notebook,
      cell: failed.cell,
      success: false
    });
    expect(CodeCell.execute).not.toHaveBeenCalled();
  });
});
