"""The Jupyter server extension's configuration, course and workspace logic.

Its HTTP handlers are in :mod:`pylearn_jupyter.handlers`; :mod:`.app` wires them up.
Server side only: the kernel never imports this package (``pylearn_jupyter.__init__`` loads
it lazily through ``_jupyter_server_extension_points``).
"""
