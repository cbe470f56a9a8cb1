"""Instruments in the admin site: editable until used, then their definition is read-only;
administrations (clinical records) are not in the admin site at all."""

from __future__ import annotations

from django.test import Client as HttpClient

from between.accounts import actions as account_actions
from between.outcomes.models import Administration, Instrument
from between.outcomes.seed import PSC_35
from tests.conftest import PASSWORD, County
from tests.outcomes.factories import record


def test_it_locks_a_used_instrument_and_keeps_administrations_out(
    county: County, client: HttpClient
) -> None:
    root = account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )
    client.force_login(root)
    psc = Instrument.objects.get(key=PSC_35)
    url = f"/admin/outcomes/instrument/{psc.pk}/change/"
    assert 'name="items"' in client.get(url).content.decode()
    administration = record(county.clinician, county.client)
    page = client.get(url).content.decode()
    assert 'name="items"' not in page and 'name="scoring"' not in page
    assert 'name="name_es"' in page  # wording notes stay editable
    assert client.get("/admin/outcomes/administration/").status_code == 404
    detail = f"/admin/outcomes/administration/{administration.pk}/change/"
    assert client.get(detail).status_code == 404
    assert Administration.objects.count() == 1
