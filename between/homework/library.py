"""Searching the library. Templates hold no client data, so any staff role may browse them."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from between.accounts import policy
from between.homework.models import Favorite, HomeworkTemplate


def library_queryset(
    user: Any,
    *,
    q: str = "",
    skill: str = "",
    target: str = "",
    age: int | None = None,
    tag: str = "",
    language: str = "",
    favorites: bool = False,
    include_retired: bool = False,
) -> QuerySet[HomeworkTemplate]:
    """Templates matching the filters, the user's favorites first, then by title."""
    if not policy.can_use_library(user):
        return HomeworkTemplate.objects.none()
    templates = HomeworkTemplate.objects.filter(current__isnull=False).select_related("current")
    if not include_retired:
        templates = templates.filter(is_retired=False)
    if q:
        fields = ["title", "rationale", "help", "short_name"]
        langs = [language] if language in ("en", "es") else ["en", "es"]
        match = Q()
        for field in fields:
            for lang in langs:
                match |= Q(**{f"current__{field}_{lang}__icontains": q})
        templates = templates.filter(match)
    if skill:
        templates = templates.filter(current__skill_area=skill)
    if target:
        templates = templates.filter(current__target=target)
    if age is not None:
        templates = templates.filter(current__age_min__lte=age, current__age_max__gte=age)
    if tag:
        # JSON "contains" differs between SQLite and PostgreSQL; the tag list is short text.
        templates = templates.filter(current__ebp_tags__icontains=f'"{tag}')
    starred = Exists(Favorite.objects.filter(user_id=user.pk, template=OuterRef("pk")))
    templates = templates.annotate(is_favorite=starred)
    if favorites:
        templates = templates.filter(is_favorite=True)
    return templates.order_by("-is_favorite", "current__title_en", "id")
