"""What the assistance routers share: the services' domain errors in the API's one error shape."""

import functools

from ninja import Path, Status

from lianxin.core.api import ERRORS, ErrorOut, error_body
from lianxin.core.idempotency import IdempotencyKeyReused, IdempotencyResultLost

from ..services.base import AssistanceConflict, AssistanceError, InsufficientFunds

PAY_KEY_PATH = "header.Idempotency-Key"
ACTION_PATH = Path(..., description="要执行的操作")
WITH_CONFLICTS = {**ERRORS, 409: ErrorOut}


def answers_domain_errors(view):
    """409 `conflict` when the record changed under the caller (or a payment's first result is
    lost); 422 `insufficient_funds`, `not_possible`, or `idempotency_key_reused` at the header."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except AssistanceConflict as exc:
            return Status(409, error_body("conflict", exc.message))
        except InsufficientFunds as exc:
            return Status(422, error_body("insufficient_funds", exc.message))
        except AssistanceError as exc:
            return Status(422, error_body("not_possible", exc.message))
        except IdempotencyKeyReused as exc:
            errors = [{"path": PAY_KEY_PATH, "message": exc.message}]
            return Status(422, error_body("idempotency_key_reused", exc.message, errors))
        except IdempotencyResultLost as exc:
            return Status(409, error_body("conflict", exc.message))

    return wrapper


def pay_key_missing(message: str) -> Status:
    """422 at the Idempotency-Key header: a payment without one could be paid twice on a retry."""
    return Status(422, error_body("invalid", message, [{"path": PAY_KEY_PATH, "message": message}]))
