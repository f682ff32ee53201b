"""Load the default standards only (load_defaults does this and everything else)."""

from django.core.management.base import BaseCommand

from standards.defaults import load


class Command(BaseCommand):
    help = "载入默认标准（十有、六个有、五个一、领域特色与一票否决项，以及五项推荐条件），可重复运行。"

    def handle(self, *args, **options):
        self.stdout.write(load())
