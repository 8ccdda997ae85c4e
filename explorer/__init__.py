"""Interactive explorer of the pruning phase diagram in the browser (Bokeh server).

    python -m explorer                      # prints http://127.0.0.1:PORT/ ; Ctrl-C stops it
    from explorer import app, start         # app(): a Bokeh Application; start(): a server in a thread

Views: (a) eps against alpha_prune for keep hard / easy / unpruned at the chosen f and theta (live), (b) the
frontier, (c) the pool view with its plateau, (d) Monte Carlo points (cancellable, cached in a result store). The
view data, command lines, CSV and PNG/PDF renderings are pure functions in :mod:`explorer.core`.
"""

from explorer.app import app, make_document
from explorer.server import start

__all__ = ["app", "make_document", "start"]
