/** Names for the dated copy kept before an exercise is reset to its original. */

/** A file name stamp like 2024-05-01T10-30-00 (no colons, sorts by time). */
export function backupStamp(now: Date = new Date()): string {
  return now.toISOString().slice(0, 19).replace(/:/g, '-');
}

/** `pylearn/ch/ex.ipynb` → `pylearn/ch/ex.backup-2024-05-01T10-30-00.ipynb`. */
export function backupPath(path: string, now: Date = new Date()): string {
  const dot = path.lastIndexOf('.');
  const slash = path.lastIndexOf('/');
  const [stem, ext] = dot > slash ? [path.slice(0, dot), path.slice(dot)] : [path, ''];
  return `${stem}.backup-${backupStamp(now)}${ext}`;
}
