"""Pages every supervision feature shares: serving an attachment after its owner's permission check."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_safe

from ..attachments import attachment_response
from ..models import Attachment

# Each feature registers who may read its records' files: model class -> (user, owner) -> bool. A file whose
# owner has no reader registered is served to nobody.
READERS: dict = {}


def register_reader(model, check) -> None:
    READERS[model] = check


@require_safe
@login_required
def attachment(request, pk):
    """A supervision record's file, only for those who may see that record."""
    attached = get_object_or_404(Attachment.objects.select_related("owner_type"), pk=pk)
    model = attached.owner_type.model_class()
    owner = model._default_manager.filter(pk=attached.owner_id).first() if model else None
    check = READERS.get(model)
    if owner is None or check is None or not check(request.user, owner):
        raise PermissionDenied
    return attachment_response(attached)


urlpatterns = [path("files/<int:pk>/", attachment, name="attachment")]
