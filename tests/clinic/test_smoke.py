from django.test import Client as HttpClient

from tests.conftest import County


def test_it_shows_the_client_page_to_the_clinician(county: County, client: HttpClient) -> None:
    client.force_login(county.clinician)
    response = client.get(f"/clients/{county.client.pk}/")
    assert response.status_code == 200
    assert b"Kai Lopez" in response.content


def test_it_hides_the_client_from_an_outsider(county: County, client: HttpClient) -> None:
    client.force_login(county.outsider)
    assert client.get(f"/clients/{county.client.pk}/").status_code == 404
