"""Near-identical open appeals: MinHash over jieba tokens, with LSH bands kept in the database.

Every open appeal has its signature (64 permutations) and 16 band hashes of 4 rows each. Two appeals
sharing a band are candidates (pairs with Jaccard similarity 0.5 and up are found with high
probability); candidates are kept when the signatures agree on at least `THRESHOLD` of their values
and the other appeal is open in the same second-level company. Bands are dropped when an appeal
leaves the open states, so the table is as small as the open caseload and any web node can query it.
"""

from __future__ import annotations

import hashlib

import jieba
import numpy as np
from datasketch import MinHash

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


def _shingles(normalized: str) -> set[bytes]:
    words = [word for word in jieba.lcut(normalized) if word.strip() and any(ch.isalnum() for ch in word)]
    return {word.encode() for word in words}


def signature(normalized: str) -> np.ndarray:
    minhash = MinHash(num_perm=NUM_PERM, seed=20261121, scheme="affine32")
    minhash.update_batch(list(_shingles(normalized)))
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


def similar_open(
    normalized: str, *, unit, exclude_pk: int | None = None, limit: int = 5, values: np.ndarray | None = None
) -> list[tuple[Appeal, float]]:
    """Open appeals near-identical to `normalized`, in the same second-level company as `unit`."""
    if not normalized:
        return []
    if values is None:
        values = signature(normalized)
    ids = set(DuplicateBand.objects.filter(band__in=bands(values)).values_list("appeal_id", flat=True))
    ids.discard(exclude_pk)
    if not ids:
        return []
    found = []
    for appeal_id, raw in AppealSignature.objects.filter(appeal_id__in=ids).values_list(
        "appeal_id", "values"
    ):
        score = similarity(values, np.frombuffer(bytes(raw), dtype=np.uint64))
        if score >= THRESHOLD:
            found.append((appeal_id, score))
    if not found:
        return []
    scores = dict(found)
    appeals = Appeal.objects.filter(
        pk__in=scores, state__in=OPEN_STATES, origin_unit__path__startswith=_scope_prefix(unit)
    ).select_related("category", "handling_unit")
    ranked = sorted(
        ((appeal, scores[appeal.pk]) for appeal in appeals), key=lambda pair: (-pair[1], pair[0].pk)
    )
    return ranked[:limit]


def appeal_index(appeal: Appeal) -> list[tuple[Appeal, float]]:
    """Store the appeal's signature and bands; return the open near-duplicates found before it."""
    values = signature(appeal.text_normalized)
    similar = similar_open(
        appeal.text_normalized, unit=appeal.origin_unit, exclude_pk=appeal.pk, values=values
    )
    AppealSignature.objects.update_or_create(appeal=appeal, defaults={"values": values.tobytes()})
    DuplicateBand.objects.filter(appeal=appeal).delete()
    DuplicateBand.objects.bulk_create(
        [DuplicateBand(appeal=appeal, band=band) for band in set(bands(values))], ignore_conflicts=True
    )
    return similar


def appeal_forget(appeal: Appeal) -> None:
    """The appeal left the open states: it is no longer a candidate."""
    DuplicateBand.objects.filter(appeal=appeal).delete()
