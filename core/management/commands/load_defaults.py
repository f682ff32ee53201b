"""Load the data the product needs to work (roles, default standards…): idempotent, safe to run on every start."""

from django.core.management.base import BaseCommand
from django.db import transaction

from core.hooks import app_modules


class Command(BaseCommand):
    help = "载入系统默认数据（角色权限、默认标准等），可重复运行。"

    def handle(self, *args, **options):
        for module in app_modules("defaults"):
            with transaction.atomic():
                summary = module.load()
            self.stdout.write(f"{module.__name__}: {summary}")
