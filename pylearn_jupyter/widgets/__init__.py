"""The learner's check UI in the notebook (ipywidgets)."""

from .panel import CHECK_BUTTON_CLASS, ExercisePanel
from .state import ExerciseState, state_for

__all__ = ["CHECK_BUTTON_CLASS", "ExercisePanel", "ExerciseState", "state_for"]
