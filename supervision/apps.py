from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("督办")
    audit_actions = {
        "rectification_create": _("提出整改事项"),
        "rectification_close": _("整改完成"),
        "rectification_cancel": _("撤销整改事项"),
    }
    audit_fields = {"rectification": (_("整改事项"), None)}
