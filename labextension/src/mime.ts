/**
 * Renderer for `application/vnd.pylearn.submission+json`: the kernel displays one after
 * every check (ipykernel and Pyodide alike). It shows nothing and records nothing: results
 * are recorded from the live kernel messages (livechecks.ts), so outputs saved in a
 * notebook file, someone else's included, never count as the learner's progress.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { SUBMISSION_MIME_TYPE } from './types';

class SubmissionOutput extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('pylearn-submission-record');
    this.node.setAttribute('aria-hidden', 'true');
  }

  async renderModel(_model: IRenderMime.IMimeModel): Promise<void> {
    // Displays nothing: the check panel shows the verdict.
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
    'Hides the PyLearn check results kernels send (they are recorded from the kernel).',
  rendererFactory,
  rank: 0,
  dataType: 'json'
};

export default extension;
