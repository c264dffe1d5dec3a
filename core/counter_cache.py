"""The database cache for the few hot counters of settings.CACHES["counters"].

Django's DatabaseCache.set() costs five statements: a COUNT(*) of the table to decide on
culling, a savepoint, a read of the row, the write, and the savepoint's release. The
content version (core.cache) is set on every change, up to three times per review, under
SQLite's write lock. This table holds a handful of keys and never needs culling, so setting
a key that exists is one UPDATE here; a new key goes the usual way.
"""

import base64
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router


class CounterCache(DatabaseCache):
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        connection = connections[router.db_for_write(self.cache_model_class)]
        quote = connection.ops.quote_name
        # Stored exactly as DatabaseCache stores it, so get() reads it back unchanged.
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(self._table)} SET {quote('value')} = %s, {quote('expires')} = %s "  # noqa: S608
                f"WHERE {quote('cache_key')} = %s",
                [
                    encoded,
                    connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0)),
                    key,
                ],
            )
            if cursor.rowcount:
                return
        self._base_set("set", key, value, timeout)
