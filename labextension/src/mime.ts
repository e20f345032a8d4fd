/**
 * Renderer for `application/vnd.pylearn.submission+json`: the kernel displays one after
 * every check (ipykernel and Pyodide alike). It shows nothing and records the submission;
 * re-rendering a saved output (reopening a notebook) records nothing new.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { recordSubmission } from './recorder';
import { SUBMISSION_MIME_TYPE, isSubmission } from './types';

class SubmissionRecorder extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('pylearn-submission-record');
    this.node.setAttribute('aria-hidden', 'true');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[SUBMISSION_MIME_TYPE];
    if (isSubmission(data)) {
      try {
        recordSubmission(data);
      } catch (error) {
        console.warn('PyLearn could not record a check result in this browser.', error);
      }
    }
  }
}

const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [SUBMISSION_MIME_TYPE],
  defaultRank: 0,
  createRenderer: () => new SubmissionRecorder()
};

const extension: IRenderMime.IExtension = {
  id: 'pylearn-jupyter:submission',
  description: 'Records PyLearn check results into the progress store.',
  rendererFactory,
  rank: 0,
  dataType: 'json'
};

export default extension;
