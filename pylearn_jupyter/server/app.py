"""The PyLearn Jupyter server extension: wires configuration, state and the handlers
(:mod:`pylearn_jupyter.handlers`)."""

from __future__ import annotations

from pathlib import Path

from jupyter_server.extension.application import ExtensionApp

from ..handlers import make_api_client, setup_handlers
from .config import PyLearn
from .courses import CourseSource
from .logs import install_private_logging
from .workspace import Workspace

__all__ = ["PyLearnApp"]


class PyLearnApp(ExtensionApp):
    """Serves the course catalog, writes exercise notebooks, and proxies the PyLearn API.

    Configured through ``c.PyLearn.*`` (see :class:`PyLearn`).
    """

    name = "pylearn"
    load_other_extensions = True
    classes = [PyLearn]

    def initialize_settings(self) -> None:
        config = PyLearn(parent=self)
        root = Path(self.serverapp.root_dir).expanduser()
        folders = [root / Path(folder).expanduser() for folder in config.course_folders]
        self.api_client = make_api_client(config.api_url, config.proxy_timeout)
        self.settings.update(
            pylearn_config=config,
            pylearn_course_source=CourseSource(folders, config.include_builtin_course),
            pylearn_workspace=Workspace(self.serverapp.contents_manager, config.workspace_folder),
            pylearn_api_client=self.api_client,
        )
        install_private_logging(self.serverapp, self.settings)
        self.log.info(
            "PyLearn: workspace folder %r, API %s, course folders %s%s.",
            config.workspace_folder, config.api_url,
            [str(f) for f in folders] or "none",
            " plus the built-in course" if config.include_builtin_course else "",
        )

    def initialize_handlers(self) -> None:
        setup_handlers(self.serverapp.web_app)

    async def stop_extension(self) -> None:
        client = getattr(self, "api_client", None)
        if client is not None:
            await client.aclose()
