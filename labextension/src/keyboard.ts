/**
 * The check panel from the keyboard: "Focus the PyLearn panel of this cell" (Alt+P, and in
 * the command palette) moves focus from an exercise cell to its panel's first button; Tab
 * goes through the panel's buttons; Escape goes back to the cell.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ICommandPalette } from '@jupyterlab/apputils';
import type { INotebookTracker } from '@jupyterlab/notebook';

import { CommandIDs, PALETTE_CATEGORY } from './commands';
import type { IPyLearnAnnouncer } from './tokens';

export const FOCUS_PANEL_COMMAND = CommandIDs.focusCheckPanel;
export const LEAVE_PANEL_COMMAND = CommandIDs.leaveCheckPanel;
export const FOCUS_PANEL_KEYS = ['Alt P'];
const PANEL = '.pylearn-panel';

/** The first button of `panel` that can be used, else its first button. */
export function firstButton(panel: Element): HTMLButtonElement | null {
  const buttons = Array.from(
    panel.querySelectorAll<HTMLButtonElement>('button')
  );
  return (
    buttons.find(b => !b.disabled && b.offsetParent !== null) ??
    buttons[0] ??
    null
  );
}

function prefersReducedMotion(): boolean {
  return (
    window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false
  );
}

export function addPanelKeyboard(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  announcer: IPyLearnAnnouncer,
  palette: ICommandPalette | null
): void {
  app.commands.addCommand(FOCUS_PANEL_COMMAND, {
    label: 'Focus the PyLearn panel of this cell',
    caption:
      'Moves focus to the Check, Hint and Solution buttons under the exercise cell ' +
      '(this cell, or the nearest one above it). Escape goes back to the cell.',
    isEnabled: () => tracker.currentWidget !== null,
    execute: () => {
      const current = tracker.currentWidget;
      if (!current) {
        return;
      }
      const notebook = current.content;
      // This cell, else the nearest exercise cell above it (Shift+Enter moves on by one).
      for (let index = notebook.activeCellIndex; index >= 0; index--) {
        const cell = notebook.widgets[index];
        const panel = cell?.node.querySelector(PANEL);
        const button = panel ? firstButton(panel) : null;
        if (!button) {
          continue;
        }
        notebook.activeCellIndex = index;
        notebook.mode = 'command';
        button.scrollIntoView({
          block: 'nearest',
          behavior: prefersReducedMotion() ? 'auto' : 'smooth'
        });
        button.focus();
        return;
      }
      announcer.say(
        'This cell has no PyLearn panel yet: run the exercise cell with Shift+Enter first.'
      );
    }
  });

  app.commands.addCommand(LEAVE_PANEL_COMMAND, {
    label: 'Back from the PyLearn panel to its cell',
    execute: () => {
      const active = document.activeElement;
      const current = tracker.find(panel => panel.node.contains(active));
      if (!current || !active) {
        return;
      }
      const notebook = current.content;
      const index = notebook.widgets.findIndex(cell =>
        cell.node.contains(active)
      );
      if (index >= 0) {
        notebook.activeCellIndex = index;
      }
      notebook.mode = 'command';
      notebook.activeCell?.node.focus();
    }
  });

  app.commands.addKeyBinding({
    command: FOCUS_PANEL_COMMAND,
    keys: FOCUS_PANEL_KEYS,
    selector: '.jp-Notebook'
  });
  app.commands.addKeyBinding({
    command: LEAVE_PANEL_COMMAND,
    keys: ['Escape'],
    selector: `.jp-Notebook ${PANEL}`
  });
  palette?.addItem({
    command: FOCUS_PANEL_COMMAND,
    category: PALETTE_CATEGORY
  });
}
