"""Show what is appended to a record on the record's page.

{% load amendment_tags %}
{% record_amendments session %}        the partial for one record
{% amendments_for note as items %}     the list, to lay out yourself
{% client_amendments client %}         the client page's section: every affected record
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from between.amendments import appended

register = template.Library()


@register.simple_tag(name="amendments_for")
def amendments_for_tag(record: models.Model) -> list[Any]:
    return appended.amendments_for(record)


@register.inclusion_tag("amendments/_for_record.html")
def record_amendments(record: models.Model) -> dict[str, Any]:
    return {"amendments": appended.amendments_for(record), "record": record}


@register.inclusion_tag("amendments/_client_section.html")
def client_amendments(client: Any) -> dict[str, Any]:
    return {"found": appended.client_amendments(client), "client": client}
