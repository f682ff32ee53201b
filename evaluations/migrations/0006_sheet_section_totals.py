from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models
from django.db.models import Sum

BATCH = 2000


def fill_section_totals(apps, schema_editor):
    """Every existing sheet's section subtotals, summed once from its item scores (later kept by the services), a
    batch of sheets at a time so that a country's 30 million item scores never sit in memory at once. A sheet
    without item scores keeps {} (nothing to average)."""
    ScoreSheet = apps.get_model("evaluations", "ScoreSheet")
    ItemScore = apps.get_model("evaluations", "ItemScore")
    ids = list(ScoreSheet.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        kept = {pk: {} for pk in batch}
        for sheet_id, section_id, subtotal in (
            ItemScore.objects.filter(sheet_id__in=batch)
            .order_by()
            .values("sheet_id", "item__section_id")
            .annotate(subtotal=Sum("score"))
            .values_list("sheet_id", "item__section_id", "subtotal")
        ):
            value = Decimal(str(subtotal or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            kept[sheet_id][str(section_id)] = str(value)
        sheets = [ScoreSheet(pk=pk, section_totals=totals) for pk, totals in kept.items()]
        ScoreSheet.objects.bulk_update(sheets, ["section_totals"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0005_sheet_ten_haves")]

    operations = [
        migrations.AddField(
            model_name="scoresheet",
            name="section_totals",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="各部分小计"),
        ),
        migrations.RunPython(fill_section_totals, migrations.RunPython.noop),
    ]
