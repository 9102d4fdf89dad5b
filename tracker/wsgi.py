"""The WSGI application gunicorn serves (`gunicorn tracker.wsgi`).

The start-up checks run here too (tracker.startup): gunicorn does not run `manage.py check`.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

application = get_wsgi_application()

from tracker.startup import refuse_incomplete_configuration  # noqa: E402  (after django.setup())

refuse_incomplete_configuration()
