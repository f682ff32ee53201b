"""Demo data of standards: the defaults, plus last year's version, frozen as a past round would leave it."""

from django.utils import timezone

from . import defaults, services
from .choices import StandardPurpose
from .models import Standard


def seed(options, stdout):
    defaults.load()
    last_year = timezone.localdate().year - 1
    if not Standard.objects.filter(purpose=StandardPurpose.EVALUATION, year=last_year).exists():
        standard = defaults.build_evaluation_standard(last_year)
        services.standard_freeze(standard=standard, by=None, reason=f"{last_year}年度验收轮次使用")
    stdout.write(f"standards: {Standard.objects.count()} 个标准版本")
