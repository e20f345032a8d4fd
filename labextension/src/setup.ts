/**
 * A learner notebook is ready to check the moment its kernel starts: no setup cell.
 *
 * The notebook carries its exercises in its metadata (`pylearn.checks`). Whenever a
 * kernel starts or restarts under a PyLearn notebook, this module sends that kernel one
 * silent line of its own making: `setup_from_front_end(<JSON string>)` (see
 * pylearn_jupyter/notebook.py). The notebook's data goes in as a JSON string literal
 * only: nothing taken from a notebook is ever run as code.
 */
import { Notification } from '@jupyterlab/apputils';
import { CodeCell } from '@jupyterlab/cells';
import type { ISessionContext } from '@jupyterlab/apputils';
import { NotebookActions } from '@jupyterlab/notebook';
import type {
  INotebookModel,
  INotebookTracker,
  NotebookPanel
} from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

/** The `pylearn` metadata of a learner notebook (release.py writes it). */
interface INotebookPylearn {
  format?: unknown;
  checks?: unknown;
}

/** The base64 alphabet the checks are written in (registry.encode_exercises). */
const CHECKS = /^[A-Za-z0-9+/=]*$/;

/** Whether a notebook model is a PyLearn learner notebook. */
export function isLearnerNotebook(model: INotebookModel | null): boolean {
  const meta = model?.getMetadata('pylearn') as INotebookPylearn | undefined;
  return typeof meta === 'object' && meta !== null && meta.format !== undefined;
}

/** The answer cells of a notebook: cell id → exercise id. */
export function answerCells(model: INotebookModel): Record<string, string> {
  const answers: Record<string, string> = {};
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    const meta = cell.getMetadata('pylearn') as
      { role?: unknown; exercise?: unknown } | undefined;
    if (meta?.role === 'answer' && typeof meta.exercise === 'string') {
      answers[cell.id] = meta.exercise;
    }
  }
  return answers;
}

/**
 * The line the kernel runs to load a notebook's exercises, or null when the notebook is
 * not a learner notebook. Python's `front_end_setup` builds the same line.
 */
export function setupCode(model: INotebookModel): string | null {
  if (!isLearnerNotebook(model)) {
    return null;
  }
  const meta = model.getMetadata('pylearn') as INotebookPylearn;
  const checks =
    typeof meta.checks === 'string' && CHECKS.test(meta.checks)
      ? meta.checks
      : null;
  const payload = JSON.stringify({ checks, answers: answerCells(model) });
  return (
    "__import__('pylearn_jupyter.notebook', fromlist=['_'])" +
    `.setup_from_front_end(${JSON.stringify(payload)})`
  );
}

/** What to tell a learner whose kernel could not load the exercises. */
function setupFailed(ename: string, evalue: string): string {
  if (ename === 'ModuleNotFoundError') {
    return (
      'PyLearn is not installed in this notebook’s kernel, so its exercises cannot be ' +
      'checked. Choose the kernel PyLearn was installed into (Kernel → Change Kernel), ' +
      'or install pylearn-jupyter there.'
    );
  }
  return `PyLearn could not load this notebook’s exercises into its kernel (${ename}: ${evalue}). Restart the kernel to try again.`;
}

/** Sends the setup line to `kernel`; tells the learner when the kernel refuses it. */
async function setUp(
  kernel: Kernel.IKernelConnection,
  code: string
): Promise<void> {
  const future = kernel.requestExecute(
    {
      code,
      silent: true,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false
    },
    true
  );
  const reply = await future.done;
  const content = reply?.content as
    { status?: string; ename?: string; evalue?: string } | undefined;
  if (content?.status === 'error') {
    Notification.error(
      setupFailed(content.ename ?? 'Error', content.evalue ?? ''),
      {
        autoClose: false
      }
    );
  }
}

/**
 * Sets up every kernel a learner notebook gets: when it connects, and again whenever it
 * restarts. The setup is sent before anything the learner runs: a kernel connection keeps
 * its messages in order, and while a kernel restarts it holds them until it is back.
 */
export function setUpKernels(panel: NotebookPanel): void {
  const session: ISessionContext = panel.sessionContext;
  const send = (kernel: Kernel.IKernelConnection | null | undefined) => {
    const model = panel.context.model;
    const code = kernel && model ? setupCode(model) : null;
    if (kernel && code) {
      setUp(kernel, code).catch(error =>
        console.warn('PyLearn could not set up the kernel.', error)
      );
      runWaitingChecks(panel);
    }
  };
  const watch = (kernel: Kernel.IKernelConnection | null | undefined) => {
    if (!kernel) {
      return;
    }
    /** A restart's setup is on its way: the reconnect that ends the restart needs none. */
    let restarted = false;
    kernel.statusChanged.connect((connection, status) => {
      if (status === 'restarting' || status === 'autorestarting') {
        restarted = true;
        // The signal comes just before the connection starts holding messages for the
        // restarted kernel: send on the next microtask, into that queue.
        void Promise.resolve().then(() => send(connection));
      }
    });
    // Connected again without restarting: the kernel may have restarted for another
    // notebook (in JupyterLite every notebook of the page shares one), so the setup again.
    let connected = kernel.connectionStatus === 'connected';
    kernel.connectionStatusChanged.connect((connection, status) => {
      if (status !== 'connected') {
        return;
      }
      if (connected && !restarted && !connection.isDisposed) {
        send(connection);
      }
      connected = true;
      restarted = false;
    });
  };
  void panel.context.ready.then(() => {
    session.kernelChanged.connect((_, change) => {
      watch(change.newValue);
      send(change.newValue);
    });
    const kernel = session.session?.kernel;
    watch(kernel);
    send(kernel);
  });
}

/**
 * Puts the cursor in the body of the notebook's (first, or `exerciseId`'s) answer cell,
 * below its `%%exercise` line, so the first keystrokes go into the answer.
 */
export async function placeCursorInAnswer(
  panel: NotebookPanel,
  exerciseId?: string
): Promise<void> {
  await panel.context.ready;
  const notebook = panel.content;
  const index = notebook.widgets.findIndex(cell => {
    const meta = cell.model.getMetadata('pylearn') as
      { role?: string; exercise?: string } | undefined;
    return (
      meta?.role === 'answer' && (!exerciseId || meta.exercise === exerciseId)
    );
  });
  if (index < 0) {
    return;
  }
  const cell = notebook.widgets[index];
  notebook.activeCellIndex = index;
  await notebook.scrollToCell(cell);
  await cell.ready;
  notebook.mode = 'edit';
  const editor = cell.editor;
  if (!editor) {
    return;
  }
  const line = Math.min(1, editor.lineCount - 1);
  editor.setCursorPosition({ line, column: 0 });
  editor.focus();
  // The notebook may take the focus for itself once more as it finishes showing (Notebook
  // 7 does): give it back to the answer, unless the learner went somewhere else.
  requestAnimationFrame(() => {
    const active = document.activeElement;
    if (
      !editor.hasFocus() &&
      (active === document.body || active === notebook.node)
    ) {
      editor.focus();
    }
  });
}

/** Kernel states in which Python is not there yet (Pyodide downloading and starting). */
const STARTING = new Set([
  'unknown',
  'starting',
  'restarting',
  'autorestarting'
]);

/**
 * Says in the notebook's toolbar, in words, whether Python is starting or ready: in
 * JupyterLite the first start downloads and starts Python in the page, which takes a
 * while, and a bare `[*]` would say nothing. `say` announces the moment it is ready.
 */
export function showKernelState(
  panel: NotebookPanel,
  say: (message: string) => void
): void {
  const state = new Widget();
  state.addClass('pylearn-kernel-state');
  let wasStarting = false;
  const update = () => {
    const status = panel.sessionContext.session?.kernel?.status ?? 'unknown';
    const starting = STARTING.has(status) && !panel.sessionContext.isDisposed;
    state.node.textContent = starting
      ? 'Starting Python… your checks run as soon as it is ready.'
      : 'Python is ready.';
    state.node.dataset.state = starting ? 'starting' : 'ready';
    if (wasStarting && !starting) {
      say('Python is ready: you can check your answer.');
    }
    wasStarting = starting;
  };
  panel.toolbar.insertItem(0, 'pylearn-kernel-state', state);
  panel.sessionContext.statusChanged.connect(update);
  panel.sessionContext.kernelChanged.connect(update);
  update();
}

/** Cells run while their notebook had no kernel yet, per notebook. */
const waiting = new WeakMap<NotebookPanel, Set<CodeCell>>();

/** Runs the cells that waited for the kernel, after its setup (messages keep their order). */
function runWaitingChecks(panel: NotebookPanel): void {
  const cells = waiting.get(panel);
  waiting.delete(panel);
  for (const cell of cells ?? []) {
    if (!cell.isDisposed) {
      void CodeCell.execute(cell, panel.sessionContext).catch(error =>
        console.warn('PyLearn could not run a waiting check.', error)
      );
    }
  }
}

/**
 * A cell run in a learner notebook before its kernel exists is dropped by JupyterLab
 * without a word (it runs nothing without a kernel). PyLearn keeps it, says so, and runs
 * it as soon as the kernel is there, as the notebook's toolbar promises.
 *
 * "Ran nothing" is read from the cell itself (a successful run that left no execution
 * count), not from whether a kernel exists when the signal comes: the kernel may have
 * arrived in between, and then the cell runs at once, after the kernel's setup.
 */
export function runChecksWhenReady(
  tracker: INotebookTracker,
  say: (message: string) => void
): void {
  NotebookActions.executed.connect((_, { notebook, cell, success }) => {
    const panel = tracker.find(p => p.content === notebook);
    if (
      !panel ||
      !success ||
      !(cell instanceof CodeCell) ||
      cell.model.executionCount !== null ||
      !cell.model.sharedModel.getSource().trim() ||
      !isLearnerNotebook(panel.context.model)
    ) {
      return;
    }
    if (panel.sessionContext.session?.kernel) {
      // The kernel came (and was set up) while JupyterLab gave up on the cell.
      void CodeCell.execute(cell, panel.sessionContext).catch(error =>
        console.warn('PyLearn could not run a waiting check.', error)
      );
      return;
    }
    const cells = waiting.get(panel) ?? new Set<CodeCell>();
    cells.add(cell);
    waiting.set(panel, cells);
    say('Python is still starting: your cell runs as soon as it is ready.');
  });
}
