"""Row-by-row changes the high-water mark cannot see, queued for the search index.

An admin edit does not touch ``updated_at``, and neither do a company's category links,
a renamed category or a contact (whose name is indexed with the company's events); these
receivers queue the affected rows for
``lead411.leads.search.index.search_index_mark_changed`` (written on commit). Bulk
imports send no signals: they call ``lead411.leads.services.leads_changed``.
"""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from lead411.leads.models import Category, Company, Contact, TriggerEvent
from lead411.leads.search.index import search_index_mark_changed


@receiver(post_save, sender=TriggerEvent, dispatch_uid="search_event_saved")
@receiver(post_delete, sender=TriggerEvent, dispatch_uid="search_event_deleted")
def search_event_changed(*, instance: TriggerEvent, **kwargs: Any) -> None:
    """Queue a saved or deleted event."""
    search_index_mark_changed(event_ids=[instance.pk])


@receiver(post_save, sender=Company, dispatch_uid="search_company_saved")
@receiver(post_delete, sender=Company, dispatch_uid="search_company_deleted")
def search_company_changed(*, instance: Company, **kwargs: Any) -> None:
    """Queue every event of a saved or deleted company (its name and place are indexed)."""
    search_index_mark_changed(company_ids=[instance.pk])


@receiver(post_save, sender=Category, dispatch_uid="search_category_saved")
def search_category_changed(*, instance: Category, created: bool, **kwargs: Any) -> None:
    """Queue the companies of a renamed category; a new one has none yet."""
    if not created:
        ids = list(instance.companies.values_list("id", flat=True))
        search_index_mark_changed(company_ids=ids)


@receiver(pre_delete, sender=Category, dispatch_uid="search_category_deleted")
def search_category_deleted(*, instance: Category, **kwargs: Any) -> None:
    """Queue the companies of a category about to be deleted (its links go without signals)."""
    search_index_mark_changed(company_ids=list(instance.companies.values_list("id", flat=True)))


@receiver(m2m_changed, sender=Company.categories.through, dispatch_uid="search_categories")
def search_company_categories_changed(
    *, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """Queue the companies whose categories were added, removed or cleared.

    Django sends ``post_add`` even when every category was linked already (``pk_set``
    empty): nothing changed then, and an importer re-reading a filing must not rewrite
    the index (issue 14's benchmark found one index commit per re-imported Form D).
    """
    if not reverse:
        if (action in ("post_add", "post_remove") and pk_set) or action == "post_clear":
            search_index_mark_changed(company_ids=[instance.pk])
    elif action in ("post_add", "post_remove") and pk_set:
        search_index_mark_changed(company_ids=pk_set)
    elif action == "pre_clear":
        # category.companies.clear(): the companies are known only before the clear.
        ids = list(instance.companies.values_list("id", flat=True))
        search_index_mark_changed(company_ids=ids)


@receiver(post_save, sender=Contact, dispatch_uid="search_contact_saved")
@receiver(post_delete, sender=Contact, dispatch_uid="search_contact_deleted")
def search_contact_changed(*, instance: Contact, **kwargs: Any) -> None:
    """Queue the events of a contact's company: the people's names are indexed with them."""
    search_index_mark_changed(company_ids=[instance.company_id])
