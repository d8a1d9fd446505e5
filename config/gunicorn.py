"""gunicorn settings that belong with the code; bin/web passes the rest on its command line."""

from __future__ import annotations

import gc


def post_worker_init(worker: object) -> None:
    """Build the lazy lookup tables once per worker, then freeze the garbage collector's view.

    A web worker holds ~350,000 long-lived objects (Django, the 42,000-entry ZIP table). A
    full collection walks all of them and paused single requests for up to 250 ms in the
    search benchmark; ``gc.freeze()`` moves what exists now out of the collector's reach, so
    collections only look at what requests allocate.
    """
    from directory.geo import zip_lookup

    zip_lookup("10001")
    gc.freeze()
