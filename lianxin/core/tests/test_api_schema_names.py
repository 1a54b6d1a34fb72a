"""OpenAPI names a component by its schema's class name: two schemas with one name would silently
describe one of them with the other's fields, and clients would be built against the wrong shape."""

from collections import defaultdict

from ninja import Schema


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_api_schema_has_its_own_name():
    import lianxin.api  # noqa: F401  (imports every router and its schemas)

    by_name = defaultdict(set)
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("lianxin.") and schema.__qualname__ == schema.__name__:
            by_name[schema.__name__].add(f"{schema.__module__}.{schema.__name__}")
    clashes = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert clashes == {}
