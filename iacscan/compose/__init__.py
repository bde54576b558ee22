"""docker-compose input: discover projects, read them into the neutral model.

``load_compose(paths, scan_root, environ)`` gives one ``Resource`` per service
(``service.<name>``, type ``compose_service``), network (``network.<name>``) and volume
(``volume.<name>``), with the project directory as their ``root``; the graph edges are in
``compose.graph`` and the reachability analysis in ``compose.reach``.
"""

from iacscan.compose.resources import load_compose

__all__ = ["load_compose"]
