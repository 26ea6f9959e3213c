from django.core.management.base import BaseCommand

from articles import vectors


class Command(BaseCommand):
    help = "Print the titles of the articles nearest to a text, nearest first."

    def add_arguments(self, parser):
        parser.add_argument("text")
        parser.add_argument("--limit", type=int, default=5)

    def handle(self, text, limit, **options):
        for article in vectors.search(text, limit):
            self.stdout.write(f"{article.pk} {article.title}")
