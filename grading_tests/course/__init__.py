"""The instructor's command-line tools: ``python -m grading_tests.course demo|release|submissions|autograde``.

The top layer of ``grading_tests``: these modules may import from every layer
below (the graders, the runner, the nbgrader plugin), and nothing below
imports from them.

- :mod:`.cycle`: the nbgrader cycle on the course root (release, collect,
  autograde, feedback, export, score table);
- :mod:`.classgrade`: ``python -m grading_tests.course autograde``, the class
  on Dask workers; :mod:`.environment`: the environment of nbgrader commands;
- :mod:`.handins`: reading the course's notebooks and writing hand-ins;
- :mod:`.demo_class`: the four demo students of ``submitted/``;
- :mod:`.bank`: the demos' mistakes, named files of ``tests/bank/``;
- :mod:`.report`: the class report; :mod:`.export`: the grades for the LMS;
  :mod:`.similarity`: answers too alike to be independent, for a human to look at;
- :mod:`.demo`: ``python -m grading_tests.course.demo``, the graders on the
  reference and on a copy with the same mistakes, without nbgrader;
- ``__main__``: the command line.
"""

from . import cycle
from .cycle import *  # noqa: F403  (the functions listed in cycle.__all__)

__all__ = list(cycle.__all__)
