"""Administrators record interventions in the admin site; summary periods are read-only there."""

from __future__ import annotations

from django.test import Client as HttpClient

from between.accounts import actions as account_actions
from between.indicators.models import Intervention
from tests.conftest import PASSWORD, County


def test_it_lets_an_admin_site_user_add_an_intervention(county: County, client: HttpClient) -> None:
    root = account_actions.create_user(
        None, username="root", password=PASSWORD, is_admin_site_user=True
    )
    client.force_login(root)
    response = client.post(
        "/admin/indicators/intervention/add/",
        {"label": "Homework training", "kind": "training", "started_on": "2026-03-02"},
    )
    assert response.status_code == 302
    assert Intervention.objects.get().label == "Homework training"
    assert client.get("/admin/indicators/summaryperiod/").status_code == 200
    assert client.get("/admin/indicators/summaryperiod/add/").status_code == 403
    assert client.get("/admin/indicators/indicatorcount/").status_code == 404
