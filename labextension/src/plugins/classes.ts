/**
 * Classes: the learner's Classes area in the PyLearn sidebar (join after consent, leave)
 * and the teacher's Class panel, a main-area widget opened from the sidebar or the command
 * palette (`pylearn:open-class-panel`). The sidebar plugin attaches the course (its API
 * and catalog) and the place of the area once it has them.
 */
import { ILayoutRestorer } from '@jupyterlab/application';
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  MainAreaWidget,
  WidgetTracker,
  showDialog
} from '@jupyterlab/apputils';
import { Notification } from '@jupyterlab/apputils';
import { Signal } from '@lumino/signaling';

import { ApiClient, Transport } from '../api';
import {
  ClassCourses,
  NotebookWriteError,
  ensureClassNotebook
} from '../classcourse';
import type { IGridColumn } from '../classes';
import {
  ClassPanel,
  ClassesArea,
  ClassesModel,
  IClassesContext
} from '../classpanel';
import { CommandIDs, PALETTE_CATEGORY } from '../commands';
import { browserStore } from '../recorder';
import { pylearnIcon } from '../sidebar';
import {
  IPyLearnAnnouncer,
  IPyLearnClasses,
  IPyLearnCourse,
  IPyLearnSync
} from '../tokens';

function activate(
  app: JupyterFrontEnd,
  announcer: IPyLearnAnnouncer,
  sync: IPyLearnSync,
  palette: ICommandPalette | null,
  restorer: ILayoutRestorer | null
): IPyLearnClasses {
  let course: IPyLearnCourse | null = null;
  let client: { transport: Transport; api: ApiClient } | null = null;
  const changed = new Signal<unknown, void>({});
  sync.changed.connect(() => changed.emit());

  const context: IClassesContext = {
    announcer,
    changed,
    api: () => {
      const transport = course?.course?.transport ?? null;
      if (!transport || !sync.hasApi) {
        return null;
      }
      if (client?.transport !== transport) {
        client = { transport, api: new ApiClient(transport) };
      }
      return client.api;
    },
    token: () =>
      sync.loggedIn ? (browserStore().session()?.token ?? null) : null,
    username: () =>
      sync.loggedIn ? (browserStore().session()?.user.username ?? null) : null,
    builtinColumns: (): IGridColumn[] =>
      (course?.course?.catalog.chapters ?? []).flatMap(chapter =>
        chapter.exercises.map(ex => ({ id: ex.id, title: ex.title }))
      ),
    openPanel: () => void app.commands.execute(CommandIDs.openClassPanel)
  };
  const model = new ClassesModel(context);

  const tracker = new WidgetTracker<MainAreaWidget<ClassPanel>>({
    namespace: 'pylearn-class-panel'
  });
  let panel: MainAreaWidget<ClassPanel> | null = null;

  app.commands.addCommand(CommandIDs.openClassPanel, {
    label: 'Open the PyLearn Class Panel',
    caption:
      'Teach a class: create it, give its join code, and follow the progress of its learners.',
    icon: pylearnIcon,
    execute: () => {
      if (!panel || panel.isDisposed) {
        const content = new ClassPanel(model);
        panel = new MainAreaWidget({ content });
        panel.id = 'pylearn-class';
        panel.title.label = 'Class';
        panel.title.icon = pylearnIcon;
        panel.title.closable = true;
        void tracker.add(panel);
        void model.refresh();
      }
      if (!panel.isAttached) {
        app.shell.add(panel, 'main');
      }
      if (!panel.isAttached) {
        // Notebook 7 keeps one document per page in its main area: there, the panel
        // opens in the right-hand area instead.
        app.shell.add(panel, 'right', { rank: 1000 });
      }
      app.shell.activateById(panel.id);
      return panel;
    }
  });
  palette?.addItem({
    command: CommandIDs.openClassPanel,
    category: PALETTE_CATEGORY
  });
  if (restorer) {
    void restorer.restore(tracker, {
      command: CommandIDs.openClassPanel,
      name: () => 'pylearn-class'
    });
  }

  /**
   * Opens an exercise of a class's uploaded course: its chapter's notebook is written to
   * the learner's files first unless it is there already (never over it), then opened
   * like the built-in exercises, with the cursor in the exercise's answer.
   */
  const openClassNotebook = async (
    info: { id: string; name: string },
    notebookKey: string,
    notebook: unknown,
    exerciseId: string
  ): Promise<void> => {
    let path: string;
    try {
      path = (
        await ensureClassNotebook(
          app.serviceManager.contents,
          info,
          notebookKey,
          notebook
        )
      ).path;
    } catch (error) {
      Notification.error(
        error instanceof NotebookWriteError
          ? error.message
          : 'PyLearn could not put this notebook in your files. Please try again.',
        { autoClose: 8000 }
      );
      return;
    }
    try {
      if (!course) {
        throw new Error('The course is not loaded.');
      }
      await course.openNotebook(path, exerciseId);
    } catch {
      Notification.error(
        `PyLearn wrote ${path} to your files but could not open it. Open it from the file browser.`,
        { autoClose: 8000 }
      );
    }
  };

  const courses = new ClassCourses({
    storage: window.localStorage,
    api: () => context.api(),
    token: () => context.token(),
    owner: () =>
      sync.loggedIn ? (browserStore().session()?.user.id ?? null) : null,
    // Known once fetched; after a failed fetch (offline) the courses kept here show.
    joined: () =>
      model.error && model.classes.length === 0 ? null : model.joined,
    progress: () => sync.view().progress,
    open: openClassNotebook,
    announce: text => announcer.say(text),
    notify: text => Notification.error(text, { autoClose: 8000 })
  });
  model.changed.connect(() => courses.update(model.classes));
  sync.changed.connect(() => courses.update());

  const confirmLeave = async (info: {
    id: string;
    name: string;
  }): Promise<boolean> => {
    const answer = await showDialog({
      title: `Leave ${info.name}?`,
      body: 'Its teacher will no longer see any of your progress. To come back, you need the join code again.',
      buttons: [
        Dialog.cancelButton({ label: 'Stay' }),
        Dialog.warnButton({ label: 'Leave class' })
      ]
    });
    if (answer.button.accept) {
      courses.leavingClass(info.id);
    }
    return answer.button.accept;
  };

  return {
    attach: (attached, addArea) => {
      course = attached;
      const area = new ClassesArea(model, confirmLeave);
      addArea(area.node);
      // The courses of the classes joined, right below the Classes area.
      area.node.after(courses.node);
      changed.emit();
    },
    courseChanged: () => changed.emit(),
    openPanel: context.openPanel,
    inClass: classId =>
      model.known ? model.classes.some(c => c.id === classId) : undefined
  };
}

export const classesPlugin: JupyterFrontEndPlugin<IPyLearnClasses> = {
  id: 'pylearn-jupyter:classes',
  description:
    "Classes: joining and leaving in the sidebar, the courses of the classes joined, and the teacher's Class panel.",
  autoStart: true,
  requires: [IPyLearnAnnouncer, IPyLearnSync],
  optional: [ICommandPalette, ILayoutRestorer],
  provides: IPyLearnClasses,
  activate
};
