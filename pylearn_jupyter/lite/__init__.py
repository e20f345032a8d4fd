"""The PyLearn JupyterLite site: a static website where the course runs on Pyodide.

``pylearn lite build`` assembles it from the pinned configuration in the repository's
``lite/`` folder (or the copy shipped in this package), a self-hosted Pyodide, a
kernel-only wheel of ``pylearn_jupyter`` and the course as learner notebooks.
Nothing here is imported by the kernel side.
"""
