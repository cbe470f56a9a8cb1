"""A clinician learns on "my week" that a family was locked out, and can mark it read."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client as HttpClient

from between.accounts.models import AuditAction, AuditEvent
from between.notify import actions
from between.notify.models import Alert
from tests.conftest import County


@pytest.fixture
def alert(county: County) -> Alert:
    return actions.raise_alert(county.clinician, kind="family_locked_out", client=county.client)


def test_it_shows_the_alert_on_my_week_until_it_is_read(
    county: County, client: HttpClient, alert: Alert
) -> None:
    client.force_login(county.clinician)
    page = client.get("/my-week/").content.decode()
    assert "A family is locked out of the portal" in page
    assert "Kai Lopez" in page
    response = client.post(f"/notify/alerts/{alert.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/my-week/"
    assert "locked out" not in client.get("/my-week/").content.decode()
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="notify.alert", detail="read"
    ).exists()


def test_it_keeps_an_alert_to_its_recipient(
    county: County, client: HttpClient, alert: Alert
) -> None:
    client.force_login(county.supervisor)
    assert "locked out" not in client.get("/my-week/").content.decode()
    assert client.post(f"/notify/alerts/{alert.pk}/read/").status_code == 404
    with pytest.raises(PermissionDenied):
        actions.mark_alert_read(county.supervisor, alert)
    alert.refresh_from_db()
    assert alert.read_at is None
