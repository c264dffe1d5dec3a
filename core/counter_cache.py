"""The database cache for the few hot counters of settings.CACHES["counters"].

Django's DatabaseCache.set() costs five statements: a COUNT(*) of the table to decide on
culling, a savepoint, a read of the row, the write, and the savepoint's release. The
content version (core.cache) is set on every change, up to three times per review, under
SQLite's write lock. This table holds a handful of keys and never needs culling, so setting
a key that exists is one UPDATE here; a new key goes the usual way. Every anonymous page
reads the version, so get() is one plain SELECT too.

On PostgreSQL each change also notifies every web process (core.version_watch), which keeps
a copy of the never-expiring counters: get() outside a transaction answers from that copy
while it is trusted, without a round trip to the database.

On SQLite each connection remembers what it read outside a transaction, together with the
connection's `PRAGMA data_version`. SQLite changes that number when any other connection
(another thread, another process) commits to the database file, so while it stands, no one
else has written the counters and get() answers from memory. The connection's own writes
don't move it: they forget what it remembered instead.
"""

import base64
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now

from . import version_watch


class CounterCache(DatabaseCache):
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self.set_many({key: value}, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """Set existing keys with one statement (PostgreSQL) or one UPDATE each (SQLite),
        in the order given; a new key goes the usual way. On PostgreSQL the same statement
        notifies the other processes of all the keys at once (core.version_watch), so none
        of them sees some of the new values without the others."""
        keys = {self.make_and_validate_key(key, version=version): key for key in data}
        expires_at = self.get_backend_timeout(timeout)
        if expires_at is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(expires_at, tz=UTC if settings.USE_TZ else None)
        connection = connections[router.db_for_write(self.cache_model_class)]
        quote = connection.ops.quote_name
        # Stored exactly as DatabaseCache stores it, so get() reads it back unchanged.
        encoded = {
            made: base64.b64encode(pickle.dumps(data[key], self.pickle_protocol)).decode("latin1")
            for made, key in keys.items()
        }
        stored_expiry = connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))
        missing = list(keys)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                sql = version_watch.notify_sql(
                    quote, self._table, encoded, forever=expires_at is None
                )
                cursor.execute(
                    sql,
                    [
                        list(encoded),
                        list(encoded.values()),
                        stored_expiry,
                        version_watch.CHANNEL,
                        version_watch.statement_id(),
                    ],
                )
                row = cursor.fetchone()
                if row is not None:
                    self._expect(connection, row[0])
                    missing = [made for made in keys if made not in row[1]]
            else:
                missing = []
                try:
                    for made in keys:
                        cursor.execute(
                            f"UPDATE {quote(self._table)} SET {quote('value')} = %s, "  # noqa: S608
                            f"{quote('expires')} = %s WHERE {quote('cache_key')} = %s",
                            [encoded[made], stored_expiry, made],
                        )
                        if not cursor.rowcount:
                            missing.append(made)
                finally:
                    # Also when a later UPDATE fails: an earlier one may have committed.
                    _forget(connection)
        for made in missing:  # _base_set() converts the timeout itself
            self._base_set("set", made, data[keys[made]], timeout)
        return []

    # Every other change (a new key, a delete, a clear) tells the watchers to read the table
    # again, in the same transaction as the change.

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT):
        connection = connections[router.db_for_write(self.cache_model_class)]
        if connection.vendor != "postgresql":
            try:
                return super()._base_set(mode, key, value, timeout)
            finally:
                _forget(connection)
        with transaction.atomic(using=connection.alias):
            done = super()._base_set(mode, key, value, timeout)
            self._notify_reload(connection)
        return done

    def _base_delete_many(self, keys):
        connection = connections[router.db_for_write(self.cache_model_class)]
        if not keys or connection.vendor != "postgresql":
            try:
                return super()._base_delete_many(keys)
            finally:
                _forget(connection)
        with transaction.atomic(using=connection.alias):
            done = super()._base_delete_many(keys)
            self._notify_reload(connection)
        return done

    def clear(self):
        connection = connections[router.db_for_write(self.cache_model_class)]
        if connection.vendor != "postgresql":
            try:
                return super().clear()
            finally:
                _forget(connection)
        with transaction.atomic(using=connection.alias):
            super().clear()
            self._notify_reload(connection)

    def _notify_reload(self, connection):
        with connection.cursor() as cursor:
            cursor.execute(
                version_watch.RELOAD_SQL, [version_watch.CHANNEL, version_watch.statement_id()]
            )
            self._expect(connection, cursor.fetchone()[0])

    def _watching(self, connection):
        return connection.vendor == "postgresql" and settings.MARQUEE_COUNTER_WATCH

    def _expect(self, connection, txid):
        if self._watching(connection):
            version_watch.watcher(self._table, connection.alias).expect(int(txid))

    def get(self, key, default=None, version=None):
        """DatabaseCache.get() of one key as one plain SELECT. Every anonymous page reads the
        content version, so what the stock reader redoes per call is done once here: the
        key's validation, the ORM expression that converts the expiry, the conversion of an
        expiry already seen, the decoding of an integer value already seen."""
        key = self._known_key(key, version)
        connection = connections[router.db_for_read(self.cache_model_class)]
        remembered = None
        if not _in_transaction(connection):
            if self._watching(connection):
                value = version_watch.watcher(self._table, connection.alias).get(key)
                if value is not version_watch.MISSING:
                    return value
            elif connection.vendor == "sqlite" and connection.connection is not None:
                remembered = _unchanged_reads(connection)
                known = remembered.get((self._table, key))
                if known is not None and known[1] >= tz_now():
                    return known[0]
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
        expires = self._expiry(connection, expires)
        if expires < tz_now():
            self._base_delete_many([key])
            return default
        value = self._decode(connection, value)
        if remembered is not None and type(value) in version_watch.COPIED_TYPES:
            remembered[(self._table, key)] = (value, expires)
        return value

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


def _unchanged_reads(connection):
    """What this SQLite connection read of the counters since anyone else last committed to
    the database: (table, key) -> (value, expiry), to fill with what it reads next. Asked
    before the read it may fill, so a commit that lands between the two only makes the next
    call start afresh."""
    raw = connection.connection
    with connection.wrap_database_errors:  # as Django's errors, as any query's would be
        data_version = raw.execute("PRAGMA data_version").fetchone()[0]
    memo = connection.__dict__.get("_marquee_counter_reads")
    if memo is None or memo[0] is not raw or memo[1] != data_version:
        memo = connection._marquee_counter_reads = (raw, data_version, {})
    return memo[2]


def _forget(connection):
    """This connection changed the counters, or may have (SQLite doesn't tell it about its
    own commits): what it remembered may be out of date. Called after the write, even a
    failed one, so no read made during it can leave the old value remembered."""
    connection.__dict__.pop("_marquee_counter_reads", None)


def _in_transaction(connection):
    """Whether reads on `connection` belong to a transaction (atomic(), or autocommit
    turned off by hand), without opening a connection to find out."""
    return connection.in_atomic_block or (
        connection.connection is not None and not connection.autocommit
    )
