"""Signal receivers of the leads app: any change of leads expires cached search counts."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from lead411.leads.models import Category, Company, TriggerEvent
from lead411.leads.services import leads_changed


@receiver(post_save, sender=TriggerEvent)
@receiver(post_delete, sender=TriggerEvent)
@receiver(post_save, sender=Company)
@receiver(post_delete, sender=Company)
@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
def leads_row_changed(**kwargs: Any) -> None:
    """Expire cached search counts when one row is saved or deleted; the next search re-indexes."""
    leads_changed(index_now=False)


@receiver(m2m_changed, sender=Company.categories.through)
def company_categories_changed(*, action: str, pk_set: set[int] | None, **kwargs: Any) -> None:
    """Expire cached search counts when a company's categories really change.

    ``add()`` of categories a company already has still sends ``post_add``, with an
    empty ``pk_set`` (Django's m2m_changed docs); that changes nothing. ``post_clear``
    sends ``pk_set=None``.
    """
    if action == "post_clear" or (action in ("post_add", "post_remove") and pk_set):
        leads_changed(index_now=False)
