"""The Jupyter server extension: course catalog, exercise notebooks in the workspace, API proxy.

Server side only: the kernel never imports this package (``pylearn_jupyter.__init__`` loads
it lazily through ``_jupyter_server_extension_points``).
"""
