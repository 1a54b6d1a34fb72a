"""Near-identical open appeals: MinHash over jieba tokens, with LSH bands kept in the database.

Every open appeal has its signature (64 permutations) and 16 band hashes of 4 rows each. Two appeals
sharing a band are candidates (pairs with Jaccard similarity 0.5 and up are found with high
probability); candidates are kept when the signatures agree on at least `THRESHOLD` of their values
and the other appeal is open in the same second-level company. Bands are dropped when an appeal
leaves the open states, so the table is as small as the open caseload and any web node can query it.

On intake the look-up runs in the request (the answer lists what was found); the new appeal's own
signature and bands are written by the job that finishes the intake (`appeal_index_new`), once.
"""

from __future__ import annotations

import hashlib

import jieba
import numpy as np
from datasketch import MinHash
from django.db import IntegrityError, connection, transaction

from .models import OPEN_STATES, Appeal, AppealSignature, DuplicateBand

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.5
"""Estimated Jaccard similarity of the word sets from which two appeals count as near-identical; at
the LSH curve's own threshold (about (1/BANDS) ** (1/ROWS)), so few candidates are lost. Candidates are
only shown to people, who decide: better one too many than one missed."""
SCOPE_DEPTH = 2
"""Duplicates are looked for within the same unit at this depth (the second-level company)."""
CANDIDATES = 25
"""Most candidates compared in one look-up: those sharing the most bands, the likeliest to be
near-identical, wherever they are (those outside the scope are dropped after). When hundreds raise
the same appeal (a collective one), a look-up stays bounded."""


def _shingles(normalized: str, cut: list[str] | None = None) -> set[bytes]:
    if cut is None:
        cut = jieba.lcut(normalized)
    return {word.encode() for word in cut if word.strip() and any(ch.isalnum() for ch in word)}


def signature(normalized: str, *, cut: list[str] | None = None) -> np.ndarray:
    """The MinHash of the text's words; `cut` is jieba's cut of it when the caller has one."""
    minhash = MinHash(num_perm=NUM_PERM, seed=20261121, scheme="affine32")
    minhash.update_batch(list(_shingles(normalized, cut)))
    return minhash.hashvalues.astype(np.uint64)


def bands(values: np.ndarray) -> list[int]:
    out = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        out.append(int.from_bytes(digest, "big", signed=True))
    return out


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / NUM_PERM


def _scope_prefix(appeal_or_unit) -> str:
    path = appeal_or_unit.path
    return path[: 4 * SCOPE_DEPTH]


SIMILAR_FIELDS = tuple(
    field.attname
    for field in Appeal._meta.concrete_fields
    if field.attname in {"id", "number", "title", "state", "confidential", "flag_distress"}
)
"""What callers of `similar_open` show of an appeal found (the other fields load when read), in
the model's field order as `Model.from_db` wants them."""


def _candidates_sql(exclude: bool) -> str:
    """The `CANDIDATES` appeals sharing the most bands (bands exist only for open appeals), then of
    those the ones open in the scope, each with its signature. Counting the bands first and joining
    only the few counted keeps the query small when hundreds hold the same text (PostgreSQL otherwise
    joined every open appeal of the company); written out once rather than compiled by the ORM on
    every intake (that took three times as long as running it)."""
    q = connection.ops.quote_name
    appeal, band, signatures = (model._meta.db_table for model in (Appeal, DuplicateBand, AppealSignature))
    unit = Appeal._meta.get_field("origin_unit").related_model._meta.db_table
    columns = ", ".join(f"a.{q(name)}" for name in SIMILAR_FIELDS)
    return (
        f"SELECT {columns}, s.{q('values')} FROM ("  # noqa: S608 - our own tables
        f"SELECT {q('appeal_id')}, COUNT(*) AS shared FROM {q(band)} "
        f"WHERE {q('band')} IN ({', '.join(['%s'] * BANDS)})"
        + (f" AND {q('appeal_id')} <> %s" if exclude else "")
        + f" GROUP BY {q('appeal_id')} ORDER BY COUNT(*) DESC, {q('appeal_id')} DESC LIMIT {CANDIDATES}) c "
        f"INNER JOIN {q(appeal)} a ON a.{q('id')} = c.{q('appeal_id')} "
        f"INNER JOIN {q(unit)} u ON u.{q('id')} = a.{q('origin_unit_id')} "
        f"INNER JOIN {q(signatures)} s ON s.{q('appeal_id')} = a.{q('id')} "
        f"WHERE a.{q('state')} IN ({', '.join(['%s'] * len(OPEN_STATES))}) AND u.{q('path')} LIKE %s"
    )


def similar_open(
    normalized: str, *, unit, exclude_pk: int | None = None, limit: int = 5, values: np.ndarray | None = None
) -> list[tuple[Appeal, float]]:
    """Open appeals near-identical to `normalized`, in the same second-level company as `unit`.

    One query: the candidates (the `CANDIDATES` appeals sharing the most bands, kept when open in
    the scope), each with its signature and the fields in `SIMILAR_FIELDS`."""
    if not normalized:
        return []
    if values is None:
        values = signature(normalized)
    params = [*bands(values), *([exclude_pk] if exclude_pk is not None else [])]
    params += [*(str(state) for state in OPEN_STATES), _scope_prefix(unit) + "%"]
    with connection.cursor() as cursor:
        cursor.execute(_candidates_sql(exclude_pk is not None), params)
        rows = cursor.fetchall()
    found = []
    for *fields, raw in rows:
        score = similarity(values, np.frombuffer(bytes(raw), dtype=np.uint64))
        if score >= THRESHOLD:
            found.append((fields, score))
    found.sort(key=lambda pair: (-pair[1], pair[0][0]))
    return [(_appeal(fields), score) for fields, score in found[:limit]]


def _appeal(values: list) -> Appeal:
    fields = [Appeal._meta.get_field(name) for name in SIMILAR_FIELDS]
    python = [field.to_python(value) for field, value in zip(fields, values, strict=True)]
    return Appeal.from_db(connection.alias, SIMILAR_FIELDS, python)


def _store_bands(appeal: Appeal, values: np.ndarray) -> None:
    DuplicateBand.objects.bulk_create(
        [DuplicateBand(appeal=appeal, band=band) for band in set(bands(values))], ignore_conflicts=True
    )


def appeal_index(appeal: Appeal) -> list[tuple[Appeal, float]]:
    """Store the appeal's signature and bands (again, e.g. when it reopens); return the open
    near-duplicates found before it."""
    values = signature(appeal.text_normalized)
    similar = similar_open(
        appeal.text_normalized, unit=appeal.origin_unit, exclude_pk=appeal.pk, values=values
    )
    AppealSignature.objects.update_or_create(appeal=appeal, defaults={"values": values.tobytes()})
    DuplicateBand.objects.filter(appeal=appeal).delete()
    _store_bands(appeal, values)
    return similar


def appeal_index_new(appeal: Appeal) -> bool:
    """Store a new appeal's signature and, while it is open, its bands, unless that was done before.

    The signature row is written first, under its primary key: a second call (a job run twice, or
    run by the sweep while the first is still committing) fails to insert it, waits for the first
    to commit, and answers False having written nothing. Call inside a transaction."""
    values = signature(appeal.text_normalized)
    try:
        with transaction.atomic():
            AppealSignature.objects.create(appeal=appeal, values=values.tobytes())
    except IntegrityError:
        return False
    if appeal.state in OPEN_STATES:
        _store_bands(appeal, values)
    return True


def appeal_forget(appeal: Appeal) -> None:
    """The appeal left the open states: it is no longer a candidate."""
    DuplicateBand.objects.filter(appeal=appeal).delete()
