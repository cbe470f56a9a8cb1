"""The admin site lists amendment requests by ids and dates, read only, without their texts."""

from __future__ import annotations

from django.test import Client as HttpClient

from between.accounts import actions as account_actions
from tests.amendments.helpers import CHANGE, REASON, Records, deny, staff_request
from tests.conftest import PASSWORD


def test_it_lists_requests_read_only_without_their_texts(
    charts: Records, client: HttpClient
) -> None:
    county = charts.county
    amendment = deny(
        county.clinician,
        staff_request(county.clinician, charts.kai.client, "client", charts.kai.client.pk),
    )
    root = account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )
    client.force_login(root)
    listing = client.get("/admin/amendments/amendmentrequest/")
    assert listing.status_code == 200
    detail = client.get(f"/admin/amendments/amendmentrequest/{amendment.pk}/change/")
    assert detail.status_code == 200
    for page in (listing.content.decode(), detail.content.decode()):
        assert CHANGE not in page and REASON not in page
        assert county.client.given_name not in page
    assert client.get("/admin/amendments/amendmentrequest/add/").status_code == 403
