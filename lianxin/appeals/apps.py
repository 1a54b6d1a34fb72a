from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "lianxin.appeals"
    label = "appeals"
    verbose_name = _("职工诉求")

    def ready(self) -> None:
        from . import reference  # noqa: F401 - connects the receivers that announce changes
