/**
 * Renderer for `application/vnd.pylearn.submission+json`: the kernel displays one after
 * every check (ipykernel and Pyodide alike). It records nothing: results are recorded from
 * the live kernel messages (livechecks.ts), so outputs saved in a notebook file, someone
 * else's included, never count as the learner's progress.
 *
 * It shows the verdict in words that travels beside the record, for a notebook reopened
 * after its kernel is gone: the live check panel cannot be drawn then ("model not
 * found"). While the live panel is in the same output area, the stylesheet hides this
 * line, and it hides the dead panel's placeholder when the line is there.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { SUBMISSION_MIME_TYPE } from './types';

/** The verdict icons of the check panel (pylearn_jupyter/widgets/render.py VERDICTS). */
const ICONS: Record<string, string> = {
  passed: '✔',
  failed: '✘',
  error: '⚠',
  timeout: '◷'
};

interface ISavedVerdict {
  status: string;
  headline: string;
}

/** The verdict in words a check's output carries in its metadata, if any. */
export function savedVerdict(
  metadata: Readonly<Record<string, unknown>> | undefined
): ISavedVerdict | null {
  const entry = metadata?.[SUBMISSION_MIME_TYPE] as
    { verdict?: { status?: unknown; headline?: unknown } } | undefined;
  const verdict = entry?.verdict;
  if (
    typeof verdict?.status !== 'string' ||
    typeof verdict?.headline !== 'string' ||
    !(verdict.status in ICONS)
  ) {
    return null;
  }
  return { status: verdict.status, headline: verdict.headline };
}

function when(submittedAt: unknown): string {
  if (typeof submittedAt !== 'string') {
    return '';
  }
  const date = new Date(submittedAt);
  return isNaN(date.getTime()) ? '' : ` (${date.toLocaleString()})`;
}

class SubmissionOutput extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('pylearn-submission-record');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.node.textContent = '';
    const verdict = savedVerdict(model.metadata);
    if (!verdict) {
      return;
    }
    const data = model.data[SUBMISSION_MIME_TYPE] as
      { submitted_at?: unknown } | undefined;
    const box = document.createElement('div');
    box.className = 'pylearn-last-verdict';
    const line = document.createElement('p');
    const icon = document.createElement('span');
    icon.setAttribute('aria-hidden', 'true');
    icon.textContent = `${ICONS[verdict.status]} `;
    line.append(
      `Last check${when(data?.submitted_at)}: `,
      icon,
      verdict.headline
    );
    const next = document.createElement('p');
    next.className = 'pylearn-last-verdict-next';
    next.textContent =
      'Run the cell (Shift+Enter) to check it again: the result comes back with its ' +
      'Check, Hint and Solution buttons.';
    box.append(line, next);
    this.node.appendChild(box);
  }
}

const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [SUBMISSION_MIME_TYPE],
  defaultRank: 0,
  createRenderer: () => new SubmissionOutput()
};

const extension: IRenderMime.IExtension = {
  id: 'pylearn-jupyter:submission',
  description:
    'Shows the last verdict of a saved PyLearn check while its live panel is gone.',
  rendererFactory,
  rank: 0,
  dataType: 'json'
};

export default extension;
