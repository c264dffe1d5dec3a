"""The schema carries no index that another already serves: each one costs every write
(the IMDb import above all, and every review post)."""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

OUR_APPS = ("films", "reviews", "accounts", "core")


def _partial_names():
    """Constraints and indexes with a condition: they cover only some rows."""
    names = set()
    for model in apps.get_models():
        for item in (*model._meta.constraints, *model._meta.indexes):
            if getattr(item, "condition", None) is not None:
                names.add(item.name)
    return names


def _our_tables():
    tables = []
    for label in OUR_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            if model._meta.managed and not model._meta.proxy:
                tables.append(model._meta.db_table)
    return tables


def _btree(info):
    return info["columns"] and info.get("type") in ("btree", "idx")


def test_no_index_is_the_leading_part_of_another():
    partial = _partial_names()
    redundant = []
    with connection.cursor() as cursor:
        for table in _our_tables():
            found = connection.introspection.get_constraints(cursor, table)
            indexes = {
                name: info
                for name, info in found.items()
                if (info["index"] or info["unique"] or info["primary_key"]) and _btree(info)
            }
            for name, info in indexes.items():
                if info["unique"] or info["primary_key"] or name in partial:
                    continue
                for other, other_info in indexes.items():
                    if other == name or other in partial:
                        continue
                    # A PostgreSQL pattern-ops ("_like") index answers other questions.
                    if name.endswith("_like") != other.endswith("_like"):
                        continue
                    columns, wider = info["columns"], other_info["columns"]
                    if wider[: len(columns)] == columns and (
                        len(wider) > len(columns) or other_info["unique"]
                    ):
                        redundant.append(f"{table}.{name} ({', '.join(columns)}) < {other}")
    assert redundant == []


def test_postgresql_keeps_only_the_indexes_its_queries_use():
    """Django gives each indexed text column a plain and a pattern-ops index there; search
    needs only the pattern-ops one of the search text, IMDb ids only their unique one."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes "
            "WHERE tablename IN ('films_film', 'films_person', 'films_filmtitle')"
        )
        rows = cursor.fetchall()

    def btrees(table, column):
        return sorted(
            "pattern" if "pattern_ops" in d else ("unique" if "UNIQUE" in d else "plain")
            for t, d in rows
            if t == table and "USING btree" in d and f"({column}" in d.replace('"', "")
        )

    assert btrees("films_film", "imdb_id") == ["unique"]
    assert btrees("films_person", "imdb_id") == ["unique"]
    assert btrees("films_film", "title") == ["plain"]
    assert btrees("films_person", "name") == ["plain"]
    assert btrees("films_filmtitle", "text") == ["pattern"]
    assert btrees("films_person", "search_name") == ["pattern"]
    assert btrees("films_film", "rating_average") == ["plain"]  # DESC NULLS LAST, title
    # Slugs keep both: the importer numbers slugs by prefix.
    assert btrees("films_film", "slug") == ["pattern", "unique"]
