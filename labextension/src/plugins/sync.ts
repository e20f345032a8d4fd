/** The account and sync service, and its commands (sync now, log out, export, delete). */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { AccountService } from '../account';
import { CommandIDs, PALETTE_CATEGORY } from '../commands';
import { IPyLearnAnnouncer, IPyLearnSync } from '../tokens';

function activate(
  app: JupyterFrontEnd,
  announcer: IPyLearnAnnouncer,
  palette: ICommandPalette | null
): IPyLearnSync {
  const account = new AccountService(announcer);
  account.listen();
  const { commands } = app;
  const whenLoggedIn = () => account.hasApi && account.loggedIn;

  commands.addCommand(CommandIDs.syncNow, {
    label: 'Sync PyLearn Progress Now',
    caption:
      "Fetches your account's progress from other devices, then sends what waits here.",
    isEnabled: whenLoggedIn,
    execute: () => account.syncNow()
  });
  commands.addCommand(CommandIDs.logOut, {
    label: 'Log Out of PyLearn',
    isEnabled: () => account.loggedIn,
    execute: () => account.logout()
  });
  commands.addCommand(CommandIDs.exportData, {
    label: 'Download My PyLearn Data',
    caption:
      'Downloads everything your PyLearn account stores about you, as a JSON file.',
    isEnabled: whenLoggedIn,
    execute: () => account.exportData()
  });
  commands.addCommand(CommandIDs.deleteAccount, {
    label: 'Delete My PyLearn Account…',
    isEnabled: whenLoggedIn,
    execute: () => account.deleteAccount()
  });
  commands.addCommand(CommandIDs.forgetGuest, {
    label: 'Remove Guest Progress from This Browser',
    caption: 'Offered once your account has every guest check of this browser.',
    isEnabled: () => account.view().guestUploaded,
    execute: () => account.forgetGuest()
  });
  for (const command of [
    CommandIDs.syncNow,
    CommandIDs.logOut,
    CommandIDs.exportData,
    CommandIDs.deleteAccount,
    CommandIDs.forgetGuest
  ]) {
    palette?.addItem({ command, category: PALETTE_CATEGORY });
  }
  return account;
}

export const syncPlugin: JupyterFrontEndPlugin<IPyLearnSync> = {
  id: 'pylearn-jupyter:sync',
  description:
    'The progress kept in this browser, the PyLearn account and its sync.',
  autoStart: true,
  requires: [IPyLearnAnnouncer],
  optional: [ICommandPalette],
  provides: IPyLearnSync,
  activate
};
