from django.core.management.base import BaseCommand

from films.search import rebuild_index


class Command(BaseCommand):
    help = "Re-derive the search index (film titles, people's names) from the catalog."

    def handle(self, **options):
        rebuild_index()
        self.stdout.write(self.style.SUCCESS("Search index rebuilt."))
