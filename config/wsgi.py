import gc
import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()


def _warm() -> None:
    """Read what every appeal intake needs (the grid index, the service catalog) before the first
    request, so that the first appeals after a start do not wait for it (0.3-0.7 s with 1,100
    grids) and queue the requests behind them. A database that is not there yet is not an error
    here: the first request reads them instead."""
    from django.db import connections

    from shequ.appeals.catalog import catalog
    from shequ.jurisdiction.selectors import grid_index_warm

    try:
        grid_index_warm()
        catalog()
    except Exception:  # noqa: BLE001 - e.g. not migrated yet; the first request will tell
        logging.getLogger(__name__).warning("could not read the grid index and catalog ahead", exc_info=True)
    finally:
        connections.close_all()  # never a connection shared with processes forked from this one


_warm()
# Django, the apps and their libraries are loaded: take these ~100,000 long-lived objects out of
# the cyclic garbage collector's view. Otherwise each full collection (every ~15 list requests)
# scans them all and costs 20-50 ms, which was most of the lists' p99 (docs/benchmarks.md).
gc.freeze()
