"""Template tags of the admin index: the mail backlog panel."""

from django import template

from lead411.site.selectors import MailBacklog, mail_backlog

register = template.Library()


@register.simple_tag
def mail_backlog_get() -> MailBacklog:
    """Return the current ``MailBacklog`` (see ``lead411.site.selectors.mail_backlog``)."""
    return mail_backlog()
