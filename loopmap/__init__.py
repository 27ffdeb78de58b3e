"""loopmap: local discovery maps from lifestyle notes.

The composition root: the command line, the workspace store, import and export,
and the sample-city generator. The capabilities live in the sibling packages
``geo`` (places and geocoding), ``topics``, ``loop`` and ``web``.
"""

__version__ = "0.1.0"
