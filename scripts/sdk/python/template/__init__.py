"""A Dagger module written in Python; this line is its description."""

from .main import Main as Main
