"""The learner's check UI in the notebook (ipywidgets).

ipywidgets is imported only when a panel is built, so that the plain-text and HTML
rendering in :mod:`.render` also serves places without widgets (CLI, validation).
"""

from typing import Any

__all__ = ["CHECK_BUTTON_CLASS", "ExercisePanel", "ExerciseState", "state_for"]


def __getattr__(name: str) -> Any:
    if name in ("CHECK_BUTTON_CLASS", "ExercisePanel"):
        from . import panel

        return getattr(panel, name)
    if name in ("ExerciseState", "state_for"):
        from . import state

        return getattr(state, name)
    raise AttributeError(name)
