"""The request path: settings, middleware, views and URL routes, per file and across the project.

Per file (part of each module summary, `summary.py`): the settings
operations (`settings_ops.py`), the classes and functions a middleware or a
view can be (`definitions.py`), the routes of a URLconf (`urls.py`).
Across the project, one index per concern, each on top of the one before:
`Definitions` finds classes and functions, `SettingsIndex` replays the
settings, `MiddlewareIndex` judges middleware flags, `ViewIndex` view
handlers, `UrlIndex` the routed async views.
"""

from __future__ import annotations

from asyncdj_lint.index.request_path.middleware import MiddlewareIndex
from asyncdj_lint.index.request_path.urls import UrlIndex


class RequestPathIndex(MiddlewareIndex, UrlIndex):
    """Every request-path fact about one project, resolved across files."""
