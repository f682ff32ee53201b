"""Send the reminders that are due now, as the periodic job does (exactly once per step and site: running it
again right away sends nothing new)."""

from django.core.management.base import BaseCommand

from supervision.reminders import reminders_send


class Command(BaseCommand):
    help = "发送到期的工作任务催办提醒（每个节点每个示范点只发一次，可重复运行）"

    def handle(self, *args, **options):
        sent = reminders_send()
        self.stdout.write(f"本次发送催办提醒 {sent} 条。")
