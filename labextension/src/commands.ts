/**
 * The ids of PyLearn's commands, in one place (as JupyterLab's own extensions keep them).
 * Every command is in the command palette under the category "PyLearn".
 */
export namespace CommandIDs {
  /** Shows the PyLearn sidebar in the left area. */
  export const openSidebar = 'pylearn:open-sidebar';
  /** Loads the course again (after it could not be loaded). */
  export const reloadCourse = 'pylearn:reload-course';
  /** Fetches the account's progress from other devices, then sends what waits here. */
  export const syncNow = 'pylearn:sync-now';
  export const logOut = 'pylearn:log-out';
  export const exportData = 'pylearn:export-data';
  export const deleteAccount = 'pylearn:delete-account';
  /** Removes the guest progress of this browser once the account has all of it. */
  export const forgetGuest = 'pylearn:forget-guest-progress';
  /** From an exercise cell to the first button of its check panel (Alt+P). */
  export const focusCheckPanel = 'pylearn:focus-check-panel';
  /** From the check panel back to its cell (Escape). */
  export const leaveCheckPanel = 'pylearn:leave-check-panel';
  /** Opens the teacher's Class panel (create a class, its join code, the progress grid). */
  export const openClassPanel = 'pylearn:open-class-panel';
}

/** The command palette category of every PyLearn command. */
export const PALETTE_CATEGORY = 'PyLearn';
