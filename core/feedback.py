"""Turning a service's outcome into flash messages, the same way on every page."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def attempt(request, call, success: str = "") -> bool:
    """Run one service call; its refusal (a ValidationError) or its success becomes a flash message."""
    try:
        call()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    if success:
        messages.success(request, success)
    return True


def form_errors_as_messages(request, form) -> None:
    """For small forms posted from another page: show their errors there, labelled by field."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}：{message}" if label else message)
