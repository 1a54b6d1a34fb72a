"""Schemathesis drives every API operation from the OpenAPI spec and checks the answers against it:
no 500, status codes and bodies as documented, whatever the input."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from lianxin.appeals.tests.factories import make_appeal
from lianxin.core.tokens import api_token_create
from lianxin.members.tests.factories import make_member
from lianxin.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the WSGI handler, which closes the database connection at the end of
    each request; inside a test transaction that would end the test. Django's test client does the
    same as this for its own requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def cadre_headers(personas, company):
    make_member(company.unit, "刘洋")
    make_member(company.sibling_team, "陈静")
    make_appeal(unit=company.team, by=personas.cadre)  # recorded through the hotline
    make_appeal(unit=company.team, by=personas.worker, anonymous=True)
    return {"Authorization": f"Bearer {api_token_create(user=personas.cadre)}"}


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_spec(case, cadre_headers):
    # A schema-valid request may still break a business rule (an upload that is no Excel file, a
    # unit outside scope): those answer 422 or 404 by design, so "valid data must be accepted" is off.
    case.call_and_validate(headers=cadre_headers, excluded_checks=[positive_data_acceptance])
