/** The Check button of a check panel runs the exercise cell it belongs to. */
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';

const CHECK_BUTTON_CLASS = 'pylearn-check-button';

/** Makes the Check button of a check panel run the exercise cell it belongs to. */
export function wireCheckButtons(tracker: INotebookTracker): void {
  document.addEventListener(
    'click',
    event => {
      const button = (event.target as Element | null)?.closest?.(
        `.${CHECK_BUTTON_CLASS}`
      );
      if (!button) {
        return;
      }
      const panel = tracker.find(p => p.node.contains(button));
      if (!panel) {
        return;
      }
      const notebook = panel.content;
      const index = notebook.widgets.findIndex(cell =>
        cell.node.contains(button)
      );
      if (index < 0) {
        return;
      }
      // Pressed from the keyboard (or focused anyway): the panel is drawn anew by the run,
      // so focus goes to the new panel's Check button instead of falling to the page.
      const hadFocus = button.contains(document.activeElement);
      const cellNode = notebook.widgets[index].node;
      notebook.activeCellIndex = index;
      notebook.deselectAll();
      void NotebookActions.run(notebook, panel.sessionContext).then(() => {
        if (hadFocus) {
          refocusCheckButton(cellNode, button, panel.node);
        }
      });
    },
    true
  );
}

/** Focuses the Check button that replaces `old` in `cell`, unless the learner moved on. */
function refocusCheckButton(
  cell: HTMLElement,
  old: Element,
  page: HTMLElement
): void {
  const mayTake = () => {
    const active = document.activeElement;
    return (
      !active ||
      active === document.body ||
      active === old ||
      page.contains(active)
    );
  };
  const tryFocus = (): boolean => {
    const fresh = cell.querySelector<HTMLElement>(`.${CHECK_BUTTON_CLASS}`);
    if (!fresh || fresh === old || !fresh.isConnected) {
      return false;
    }
    if (
      mayTake() &&
      !cell.querySelector('.pylearn-panel')?.contains(document.activeElement)
    ) {
      fresh.focus();
    }
    return true;
  };
  if (tryFocus()) {
    return;
  }
  const observer = new MutationObserver(() => {
    if (tryFocus()) {
      observer.disconnect();
    }
  });
  observer.observe(cell, { childList: true, subtree: true });
  window.setTimeout(() => observer.disconnect(), 60_000);
}
