/**
 * The course service: loads the course (from the Jupyter server or the JupyterLite site)
 * and opens or resets its notebooks.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import { NotebookPanel } from '@jupyterlab/notebook';

import { ICourse, loadCourse } from './course';
import { message } from './dialogs';
import { placeCursorInAnswer } from './setup';
import type { IPyLearnAnnouncer, IPyLearnCourse } from './tokens';
import type { ICatalogChapter, ICatalogExercise } from './types';

/** Brings the exercise's answer cell into view with the cursor in its body. */
async function showAnswerCell(
  widget: unknown,
  exerciseId?: string
): Promise<void> {
  if (widget instanceof NotebookPanel) {
    await placeCursorInAnswer(widget, exerciseId);
  }
}

export class CourseService implements IPyLearnCourse {
  private current: ICourse | null = null;

  /**
   * `reload` is how the course is loaded again (the plugin that shows it decides what
   * loading means for the page: the sidebar, the sync).
   */
  constructor(
    private readonly app: JupyterFrontEnd,
    private readonly docManager: IDocumentManager,
    private readonly announcer: IPyLearnAnnouncer,
    readonly reload: () => Promise<void>
  ) {}

  get course(): ICourse | null {
    return this.current;
  }

  /** Loads the course; throws a CourseError (or another error) when it cannot be. */
  async load(apiUrl: string): Promise<ICourse> {
    const services = this.app.serviceManager;
    this.current = await loadCourse(
      services.serverSettings,
      services.contents,
      apiUrl
    );
    return this.current;
  }

  async openExercise(exercise: ICatalogExercise): Promise<void> {
    try {
      const opened = await this.loaded().openExercise(exercise);
      await this.openNotebook(opened.path, exercise.id);
    } catch (error) {
      Notification.error(message(error), { autoClose: 8000 });
    }
  }

  async openIntro(chapter: ICatalogChapter): Promise<void> {
    try {
      const opened = await this.loaded().openIntro(chapter);
      await this.openNotebook(opened.path);
    } catch (error) {
      Notification.error(message(error), { autoClose: 8000 });
    }
  }

  async resetExercise(exercise: ICatalogExercise): Promise<void> {
    const answer = await showDialog({
      title: `Reset “${exercise.title}” to original?`,
      body:
        'The exercise notebook goes back to how it was first handed out. Your current ' +
        'version is not lost: a dated copy is kept next to it.',
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: 'Reset to original' })
      ]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      const open = this.docManager.findWidget(exercise.path);
      if (open?.context.model.dirty) {
        await open.context.save();
      }
      const result = await this.loaded().resetExercise(exercise);
      const widget = this.docManager.findWidget(result.path);
      if (widget) {
        await widget.context.revert();
      }
      await this.openNotebook(result.path, exercise.id);
      const kept = result.backup
        ? ` Your previous version is kept as ${result.backup}.`
        : '';
      Notification.success(
        `“${exercise.title}” is back to its original.${kept}`,
        {
          autoClose: 8000
        }
      );
      this.announcer.say(`Exercise reset.${kept}`);
    } catch (error) {
      Notification.error(message(error), { autoClose: 8000 });
    }
  }

  /** The course; the sidebar offers exercises only once it is loaded. */
  private loaded(): ICourse {
    if (!this.current) {
      throw new Error('The PyLearn course is not loaded.');
    }
    return this.current;
  }

  async openNotebook(path: string, exerciseId?: string): Promise<void> {
    // A notebook already open is brought forward, not opened again: Notebook 7 would
    // hand a second copy to a new browser tab and empty the one on this page.
    const existing = this.docManager.findWidget(path);
    if (existing) {
      this.app.shell.activateById(existing.id);
      await showAnswerCell(existing, exerciseId);
      return;
    }
    const widget = await this.app.commands.execute('docmanager:open', { path });
    await showAnswerCell(widget, exerciseId);
  }
}
