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
@receiver(m2m_changed, sender=Company.categories.through)
def leads_row_changed(**kwargs: Any) -> None:
    """Expire cached search counts when one row (or a company's categories) changes."""
    leads_changed()
