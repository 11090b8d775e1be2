"""The original's module name for the token stores: see :mod:`authflow.stores`."""

from .stores import *  # noqa: F401,F403
from .stores import __all__  # noqa: F401
