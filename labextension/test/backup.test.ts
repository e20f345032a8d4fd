import { describe, expect, it } from 'vitest';
import { backupPath } from '../src/backup';

describe('backupPath', () => {
  const when = new Date('2024-05-01T10:30:00.123Z');

  it('test_backup_sits_next_to_the_notebook_with_a_date', () => {
    expect(backupPath('pylearn/strings/strings.reverse.ipynb', when)).toBe(
      'pylearn/strings/strings.reverse.backup-2024-05-01T10-30-00.ipynb'
    );
  });

  it('test_dots_in_folders_do_not_count_as_an_extension', () => {
    expect(backupPath('pylearn/v1.0/notes', when)).toBe('pylearn/v1.0/notes.backup-2024-05-01T10-30-00');
  });
});
