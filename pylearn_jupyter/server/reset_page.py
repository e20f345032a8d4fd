"""The password reset page: where the reset mail's link leads (docs/api.md, Accounts).

The mail carries ``<public url>/pylearn/reset-password?token=<code>``. The page asks for
the new password twice, sends it with the code to ``POST /auth/password-reset/confirm``
and keeps the answer's session in the browser the way the PyLearn extension does, so the
learner is logged in. One page, two hosts:

- the Jupyter server extension serves it (``handlers.ResetPasswordPageHandler``), and it
  talks to the API through the server's proxy (``/pylearn/api/v1``);
- a JupyterLite site carries it as a file (``pylearn/reset-password/index.html``), and it
  talks to the site's API directly.

The code never reaches a log: the server logs paths without query strings, and the page
removes the code from its address at once.
"""

from __future__ import annotations

import json
from importlib.resources import files

__all__ = ["STORAGE_KEYS", "reset_page"]

#: The browser storage keys of a PyLearn session (labextension/src/store.ts, ``KEYS``).
STORAGE_KEYS = {
    "session": "pylearn.v1.account.session",
    "accountProgress": "pylearn.v1.account.progress",
    "acknowledged": "pylearn.v1.account.acknowledged",
    "sessionEnded": "pylearn.v1.account.session-ended",
}


def _asset(name: str) -> str:
    return files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _script_safe(text: str) -> str:
    """Text that cannot end the ``<script>`` element it is put in."""
    return text.replace("</", "<\\/")


def reset_page(*, api_base: str | None, continue_url: str, through_jupyter: bool) -> str:
    """The page's HTML. ``api_base`` ends in ``/api/v1``; None: the site has no accounts."""
    config = {"apiBase": api_base, "continueUrl": continue_url,
              "throughJupyter": through_jupyter, "keys": STORAGE_KEYS}
    html = _asset("reset-password.html")
    html = html.replace("/*PYLEARN_CONFIG*/", _script_safe(json.dumps(config)))
    return html.replace("/*PYLEARN_SCRIPT*/", _script_safe(_asset("reset-password.js")))
