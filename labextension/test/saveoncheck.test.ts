// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';

/** NotebookActions.executed, as far as saveoncheck.ts uses it. */
const { executed } = vi.hoisted(() => {
  type Slot = (
    sender: unknown,
    args: { notebook: unknown; cell: unknown }
  ) => void;
  const slots: Slot[] = [];
  return {
    executed: {
      connect: (slot: Slot) => slots.push(slot),
      emit: (args: { notebook: unknown; cell: unknown }) =>
        slots.forEach(slot => slot(null, args))
    }
  };
});
vi.mock('@jupyterlab/notebook', () => ({ NotebookActions: { executed } }));
vi.mock('@jupyterlab/apputils', () => ({ Notification: { error: vi.fn() } }));
vi.mock('@jupyterlab/cells', () => ({ CodeCell: class {} }));

import { saveAfterChecks } from '../src/saveoncheck';

/** A notebook panel as the tracker holds it: its content, and a context that saves. */
function fakePanel(options: { learner?: boolean; fails?: boolean } = {}) {
  const saves: string[] = [];
  const model = {
    dirty: true,
    readOnly: false,
    getMetadata: (key: string) =>
      key === 'pylearn' && options.learner !== false ? { format: 1 } : undefined
  };
  const panel: any = {
    content: {},
    context: {
      isDisposed: false,
      model,
      async save() {
        if (options.fails) {
          throw new Error('disk full');
        }
        saves.push('saved');
        model.dirty = false;
      }
    }
  };
  return { panel, saves, model };
}

function cell(role?: string) {
  return {
    model: {
      getMetadata: (key: string) =>
        key === 'pylearn' && role ? { role, exercise: 'x.y' } : undefined
    }
  };
}

function tracker(...panels: any[]): any {
  return { find: (test: (p: any) => boolean) => panels.find(test) };
}

const tick = () => new Promise(resolve => setTimeout(resolve, 0));

describe('a check saves the learner notebook', () => {
  it('saves after an answer cell runs, and only then', async () => {
    const { panel, saves, model } = fakePanel();
    saveAfterChecks(tracker(panel));
    executed.emit({ notebook: panel.content, cell: cell('tests') });
    executed.emit({ notebook: panel.content, cell: cell() });
    await tick();
    expect(saves).toEqual([]); // other cells are the learner's to save
    executed.emit({ notebook: panel.content, cell: cell('answer') });
    await tick();
    expect(saves).toEqual(['saved']);
    executed.emit({ notebook: panel.content, cell: cell('answer') });
    await tick();
    expect(saves).toEqual(['saved']); // nothing new to save
    model.dirty = true;
    model.readOnly = true;
    executed.emit({ notebook: panel.content, cell: cell('answer') });
    await tick();
    expect(saves).toEqual(['saved']); // a read-only notebook is not written
  });

  it('leaves other notebooks alone, and survives a failed save', async () => {
    const other = fakePanel({ learner: false });
    const failing = fakePanel({ fails: true });
    saveAfterChecks(tracker(other.panel, failing.panel));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    executed.emit({ notebook: other.panel.content, cell: cell('answer') });
    executed.emit({ notebook: failing.panel.content, cell: cell('answer') });
    await tick();
    expect(other.saves).toEqual([]);
    expect(failing.model.dirty).toBe(true);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });
});
