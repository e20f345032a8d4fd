/** Small pieces of the PyLearn dialogs and messages shared by the plugins. */
import { Widget } from '@lumino/widgets';

import { ApiError } from './api';
import { CourseError } from './course';

/** The sentence shown for `error`: the API's or the course's own, else a general one. */
export function message(error: unknown): string {
  if (error instanceof ApiError || error instanceof CourseError) {
    return error.message;
  }
  return 'Something went wrong. Please try again.';
}

/** A dialog body of paragraphs and a password field (its value is the dialog's value). */
export class PasswordBody extends Widget {
  readonly input: HTMLInputElement;

  constructor(text: string[]) {
    super();
    for (const paragraph of text) {
      const p = document.createElement('p');
      p.textContent = paragraph;
      this.node.append(p);
    }
    const label = document.createElement('label');
    label.textContent = 'Your password';
    this.input = document.createElement('input');
    this.input.type = 'password';
    this.input.autocomplete = 'current-password';
    this.input.className = 'jp-mod-styled';
    label.append(document.createElement('br'), this.input);
    this.node.append(label);
    this.addClass('pylearn-dialog');
  }

  getValue(): string {
    return this.input.value;
  }
}

/** Saves `data` as a JSON file through the browser's download. */
export function download(filename: string, data: unknown): void {
  const blob = new Blob([JSON.stringify(data, null, 2)], {
    type: 'application/json'
  });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
