"""Views of the contact app: the contact form and a member's conversations (P1, P10)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from lead411.core.http import client_ip

from . import selectors, services
from .forms import ContactForm, ConversationReplyForm
from .throttle import contact_allowed

TOO_MANY_MESSAGES = (
    "You have sent several messages in the last hour. Please wait a while, or call or "
    "write to us at the address on this page."
)


@require_http_methods(["GET", "HEAD", "POST"])
def contact_view(request: HttpRequest) -> HttpResponse:
    """Show the operator's postal address, telephone, fax and email, and the contact form.

    A post becomes a conversation staff answer (clauses P1, P10). A filled honeypot is
    answered like a success and stored nowhere; past the hourly limit the form is shown
    again with the reason.
    """
    user = request.user
    initial = {}
    if user.is_authenticated:
        initial = {"name": user.get_full_name(), "email": user.email}  # type: ignore[union-attr]  # authenticated
    if request.method == "POST":
        form = ContactForm(request.POST, initial=initial)
        if form.is_valid():
            if form.is_honeypot_filled:
                return redirect("contact:contact-sent")
            if not contact_allowed(client_ip=client_ip(request)):
                form.add_error(None, TOO_MANY_MESSAGES)
            else:
                services.conversation_start(
                    user=user if user.is_authenticated else None,  # type: ignore[arg-type]  # authenticated
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    category=form.cleaned_data["category"],
                    body=form.cleaned_data["message"],
                )
                return redirect("contact:contact-sent")
    else:
        category = request.GET.get("category", "")
        form = ContactForm(initial={**initial, **({"category": category} if category else {})})
    return render(request, "contact/contact_form.html", {"form": form})


def contact_sent_view(request: HttpRequest) -> HttpResponse:
    """Thank the sender and say what happens next."""
    return render(request, "contact/contact_sent.html")


@login_required
def conversation_list_view(request: HttpRequest) -> HttpResponse:
    """List the logged-in member's conversations with staff."""
    conversations = selectors.conversation_list_for(member=request.user)  # type: ignore[arg-type]  # login_required
    return render(request, "contact/conversation_list.html", {"conversations": conversations})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def conversation_detail_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Show one of the member's conversations and let them answer on the site."""
    conversation = get_object_or_404(
        selectors.conversation_list_for(member=request.user),  # type: ignore[arg-type]  # login_required
        pk=conversation_id,
    )
    form = ConversationReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.conversation_member_reply(
                member=request.user,  # type: ignore[arg-type]  # login_required
                conversation=conversation,
                body=form.cleaned_data["message"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your answer was sent to our staff.")
            return redirect("contact:conversation-detail", conversation_id=conversation.pk)
    return render(
        request,
        "contact/conversation_detail.html",
        {"conversation": conversation, "messages_list": conversation.messages.all(), "form": form},
    )
