"""The database cache for the few hot counters of settings.CACHES["counters"].

Django's DatabaseCache.set() costs five statements: a COUNT(*) of the table to decide on
culling, a savepoint, a read of the row, the write, and the savepoint's release. The
content version (core.cache) is set on every change, up to three times per review, under
SQLite's write lock. This table holds a handful of keys and never needs culling, so setting
a key that exists is one UPDATE here; a new key goes the usual way. Every anonymous page
reads the version, so get() is one plain SELECT too.
"""

import base64
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router
from django.utils.timezone import now as tz_now


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

    def get(self, key, default=None, version=None):
        """DatabaseCache.get() of one key as one plain SELECT. Every anonymous page reads the
        content version, so what the stock reader redoes per call is done once here: the
        key's validation, the ORM expression that converts the expiry, the conversion of an
        expiry already seen, the decoding of an integer value already seen."""
        key = self._known_key(key, version)
        connection = connections[router.db_for_read(self.cache_model_class)]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {quote(self._table)} "  # noqa: S608
                f"WHERE {quote('cache_key')} = %s",
                [key],
            )
            row = cursor.fetchone()
        if row is None:
            return default
        value, expires = row
        if self._expiry(connection, expires) < tz_now():
            self._base_delete_many([key])
            return default
        return self._decode(connection, value)

    def _known_key(self, key, version):
        """make_and_validate_key(), remembered: the counters are a handful of fixed keys."""
        known = self.__dict__.setdefault("_keys", {})
        made = known.get((key, version))
        if made is None:
            made = self.make_and_validate_key(key, version=version)
            if len(known) < 1000:
                known[(key, version)] = made
        return made

    def _expiry(self, connection, stored):
        """The stored expiry as a datetime, converted as DatabaseCache converts it. The
        counters never expire, so nearly every read sees the same stored value again."""
        known = self.__dict__.setdefault("_expiries", {})
        expires = known.get((connection.alias, stored))
        if expires is None:
            expires = stored
            expression, converters = self._expiry_converters(connection)
            for converter in converters:
                expires = converter(expires, expression, connection)
            if len(known) >= 1000:
                known.clear()
            known[(connection.alias, stored)] = expires
        return expires

    def _decode(self, connection, stored):
        """The stored value, decoded as DatabaseCache decodes it. Integers (the versions)
        are immutable, so one decoded before is handed out again while its stored text is
        the same; anything else is decoded afresh, so no caller shares a mutable value."""
        known = self.__dict__.setdefault("_ints", {})
        value = known.get(stored)
        if value is not None:
            return value
        # The cache's own table, written only by the cache, as DatabaseCache trusts it.
        value = pickle.loads(base64.b64decode(connection.ops.process_clob(stored).encode()))  # noqa: S301
        if type(value) is int:
            if len(known) >= 1000:
                known.clear()
            known[stored] = value
        return value

    def _expiry_converters(self, connection):
        """What turns the stored expiry into a datetime, as DatabaseCache does, made once."""
        known = self.__dict__.setdefault("_converters", {})
        if connection.alias not in known:
            expression = models.Expression(output_field=models.DateTimeField())
            known[connection.alias] = (
                expression,
                connection.ops.get_db_converters(expression)
                + expression.get_db_converters(connection),
            )
        return known[connection.alias]
