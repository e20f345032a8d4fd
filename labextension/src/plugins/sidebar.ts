/**
 * The PyLearn sidebar and the course it shows. This plugin reads the settings
 * (schema/plugin.json is keyed by its id), loads the course, and connects the account
 * service to the API the course names.
 */
import { ILayoutRestorer } from '@jupyterlab/application';
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { ApiClient } from '../api';
import { CommandIDs, PALETTE_CATEGORY } from '../commands';
import type { ICourse } from '../course';
import { CourseService } from '../courseservice';
import { message } from '../dialogs';
import { PyLearnSidebar, ISidebarActions } from '../sidebar';
import {
  IPyLearnAnnouncer,
  IPyLearnClasses,
  IPyLearnCourse,
  IPyLearnSync
} from '../tokens';

export const PLUGIN_ID = 'pylearn-jupyter:plugin';

interface IPyLearnSettings {
  apiUrl: string;
  syncIntervalSeconds: number;
}

async function readSettings(
  registry: ISettingRegistry | null
): Promise<IPyLearnSettings> {
  const defaults = { apiUrl: '', syncIntervalSeconds: 300 };
  if (!registry) {
    return defaults;
  }
  try {
    const settings = await registry.load(PLUGIN_ID);
    return {
      apiUrl: String(settings.get('apiUrl').composite ?? ''),
      syncIntervalSeconds: Number(
        settings.get('syncIntervalSeconds').composite ?? 300
      )
    };
  } catch {
    return defaults;
  }
}

async function activate(
  app: JupyterFrontEnd,
  docManager: IDocumentManager,
  announcer: IPyLearnAnnouncer,
  sync: IPyLearnSync,
  registry: ISettingRegistry | null,
  restorer: ILayoutRestorer | null,
  palette: ICommandPalette | null,
  classes: IPyLearnClasses | null
): Promise<IPyLearnCourse> {
  const settingsReady = readSettings(registry);
  const course = new CourseService(app, docManager, announcer, () => start());

  const actions: ISidebarActions = {
    openExercise: exercise => course.openExercise(exercise),
    openIntro: chapter => course.openIntro(chapter),
    resetExercise: exercise => course.resetExercise(exercise),
    login: (login, password) => sync.login(login, password),
    register: (username, email, password) =>
      sync.register(username, email, password),
    requestReset: email => sync.requestReset(email),
    resetPage: () => course.course?.resetPage ?? null,
    logout: () => sync.logout(),
    exportData: () => sync.exportData(),
    deleteAccount: () => sync.deleteAccount(),
    forgetGuest: () => sync.forgetGuest(),
    retryCourse: () => void start()
  };

  const sidebar = new PyLearnSidebar(actions, announcer);
  app.shell.add(sidebar, 'left', { rank: 150 });
  restorer?.add(sidebar, sidebar.id);

  // The Classes area, below the account area (the classes plugin draws it).
  classes?.attach(course, node => sidebar.addArea(node));

  const refresh = () => sidebar.setView(sync.view());
  sync.changed.connect(refresh);

  app.commands.addCommand(CommandIDs.openSidebar, {
    label: 'Show the PyLearn Sidebar',
    caption: 'The PyLearn course, your progress and your account.',
    execute: () => app.shell.activateById(sidebar.id)
  });
  app.commands.addCommand(CommandIDs.reloadCourse, {
    label: 'Reload the PyLearn Course',
    execute: () => start()
  });
  for (const command of [CommandIDs.openSidebar, CommandIDs.reloadCourse]) {
    palette?.addItem({ command, category: PALETTE_CATEGORY });
  }

  async function start(): Promise<void> {
    const settings = await settingsReady;
    sidebar.setView({ courseError: null });
    let loaded: ICourse;
    try {
      loaded = await course.load(settings.apiUrl);
    } catch (error) {
      sidebar.setView({ courseError: message(error) });
      return;
    }
    sync.connect(loaded.transport ? new ApiClient(loaded.transport) : null);
    sidebar.setView({
      catalog: loaded.catalog,
      accountsUnavailable: loaded.accountsUnavailable
    });
    refresh();
    classes?.courseChanged();
    await sync.start(settings.syncIntervalSeconds);
  }

  await settingsReady;
  void start();
  return course;
}

export const sidebarPlugin: JupyterFrontEndPlugin<IPyLearnCourse> = {
  id: PLUGIN_ID,
  description:
    'The PyLearn sidebar: the course, your progress and your account.',
  autoStart: true,
  requires: [IDocumentManager, IPyLearnAnnouncer, IPyLearnSync],
  optional: [
    ISettingRegistry,
    ILayoutRestorer,
    ICommandPalette,
    IPyLearnClasses
  ],
  provides: IPyLearnCourse,
  activate
};
