import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()
# Django, the apps and their libraries are loaded: take these ~100,000 long-lived objects out of
# the cyclic garbage collector's view. Otherwise each full collection (every ~15 list requests)
# scans them all and costs 20-50 ms, which was most of the lists' p99 (docs/benchmarks.md).
gc.freeze()
