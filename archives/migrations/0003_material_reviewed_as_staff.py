from django.db import migrations, models
from django.db.models import Q


def mark_staff_decisions(apps, schema_editor):
    """Decisions already taken by the organization department's staff (or an administrator) stay theirs."""
    Material = apps.get_model("archives", "Material")
    by_staff = Q(reviewed_by__is_superuser=True) | Q(reviewed_by__groups__name__in=["admin", "staff"])
    decided = Material.objects.filter(by_staff, state__in=["accepted", "returned"]).values("pk")
    Material.objects.filter(pk__in=decided).update(reviewed_as_staff=True)


class Migration(migrations.Migration):
    dependencies = [
        ("archives", "0002_ledger"),
    ]

    operations = [
        migrations.AddField(
            model_name="material",
            name="reviewed_as_staff",
            field=models.BooleanField(
                default=False,
                help_text="审核结论由组织部工作人员作出：区县联络员和督查指导员不能改变它，上传新版本后重新审核",
                verbose_name="工作人员审核",
            ),
        ),
        migrations.RunPython(mark_staff_decisions, migrations.RunPython.noop),
    ]
