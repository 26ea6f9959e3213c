from django.core.management.base import BaseCommand, CommandError

from articles import vectors


class Command(BaseCommand):
    help = "Add an article and its embedding in one transaction (--fail: fail after both writes)."

    def add_arguments(self, parser):
        parser.add_argument("title")
        parser.add_argument("--fail", action="store_true", help="raise inside the transaction")

    def handle(self, title, fail, **options):
        from django.db import transaction

        try:
            with transaction.atomic():
                article = vectors.save_article(title)
                if fail:
                    raise RuntimeError(f"failing after writing article {article.pk}")
        except RuntimeError as exc:
            raise CommandError(f"{exc}: rolled back") from None
        self.stdout.write(f"added {article.pk} {article.title}")
