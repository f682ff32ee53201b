"""Fill the database with a realistic demo city. Each app adds its part in its own demo.py.

A demo module provides `seed(options, stdout)` and may provide `add_arguments(parser)`.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.hooks import app_modules


class Command(BaseCommand):
    help = "生成演示数据（演示城市、组织、每个角色一个演示用户），可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="在 DEBUG 关闭时也允许运行（慎用于生产库）")
        parser.add_argument("--if-empty", action="store_true", help="仅当数据库中还没有用户时才生成")
        parser.add_argument("--password", default=None, help="演示用户的密码（默认取 DEMO_PASSWORD）")
        for module in app_modules("demo"):
            if hasattr(module, "add_arguments"):
                module.add_arguments(parser)

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG 已关闭：演示数据会写入真实数据库。确认无误请加 --force。")
        if options["if_empty"] and get_user_model().objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据。")
            return
        options["password"] = options["password"] or settings.DEMO_PASSWORD
        for module in app_modules("demo"):
            with transaction.atomic():
                module.seed(options, self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
