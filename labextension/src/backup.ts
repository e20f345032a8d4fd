/**
 * Names for the copy kept before an exercise is reset to its original, the same rule as
 * the Jupyter server's (pylearn_jupyter/server/workspace.py, `backup_name`); the cases in
 * docs/backup-names.json pin both.
 */

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * `pylearn/ch/ex.ipynb` → `pylearn/ch/ex.backup-20240501-103000.ipynb` (the learner's local
 * time, to the second), `…-103000-2.ipynb` for the second backup of that second, and so on.
 */
export function backupPath(
  path: string,
  now: Date = new Date(),
  counter = 1
): string {
  const dot = path.lastIndexOf('.');
  const slash = path.lastIndexOf('/');
  const [stem, ext] =
    dot > slash + 1 ? [path.slice(0, dot), path.slice(dot)] : [path, ''];
  const stamp =
    `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}-` +
    `${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
  return `${stem}.backup-${stamp}${counter > 1 ? `-${counter}` : ''}${ext}`;
}

/** The first backup name of this second that is not taken yet: no backup is overwritten. */
export async function freeBackupPath(
  path: string,
  exists: (candidate: string) => Promise<boolean>,
  now: Date = new Date()
): Promise<string> {
  let counter = 1;
  let candidate = backupPath(path, now, counter);
  while (await exists(candidate)) {
    counter += 1;
    candidate = backupPath(path, now, counter);
  }
  return candidate;
}
