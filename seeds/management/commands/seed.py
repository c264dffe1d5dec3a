"""`manage.py seed`: load the demo catalog and community from seeds/demo.py.

Safe to run on every start: rows are matched by their natural keys (slug, code, username,
film + author) and only written when the data differs, posters are drawn only for films
that have none, and likes are only ever added, so a second run changes nothing.
"""

import time
from collections import Counter
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core.images import delete_with_renditions
from films.models import AlternativeTitle, Company, Country, Credit, Film, Genre, Person
from reviews.models import Like, Reply, Review
from seeds import demo
from seeds.posters import render_poster

# Demo reviews are dated this far apart, the last one this long ago, oldest first.
REVIEW_SPACING = timedelta(hours=13)
LATEST_REVIEW_AGE = timedelta(hours=2)


class Command(BaseCommand):
    help = "Load the demo films, members, reviews, replies and likes. Safe to run again."

    def handle(self, *args, **options):
        started = time.monotonic()
        self.new = Counter()
        with transaction.atomic():
            self.countries = {
                code: self.upsert(Country, {"code": code}, {"name": name}, "countries")
                for code, name in demo.COUNTRIES.items()
            }
            films = {data["slug"]: self.load_film(data) for data in demo.FILMS}
            users = {data["username"]: self.load_user(data) for data in demo.USERS}
            reviews = self.load_reviews(films, users)
            replies = self.load_replies(reviews, users)
            likes = self.load_likes(reviews, users)

        if options["verbosity"]:
            people = {name for data in demo.FILMS for name in _people(data)}
            totals = [
                ("films", len(films)),
                ("people", len(people)),
                ("users", len(users)),
                ("reviews", len(reviews)),
                ("replies", replies),
                ("likes", likes),
            ]
            summary = ", ".join(f"{total} {what} (+{self.new[what]})" for what, total in totals)
            self.stdout.write(
                f"Seeded {summary}, {self.new['posters']} new posters "
                f"in {time.monotonic() - started:.1f}s."
            )

    def upsert(self, model, lookup, values, counter, also_update=()):
        """Get the row matching `lookup`, creating it or updating only what differs."""
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            self.new[counter] += 1
            return model._default_manager.create(**lookup, **values)
        changed = [field for field, value in values.items() if getattr(obj, field) != value]
        if changed:
            for field in changed:
                setattr(obj, field, values[field])
            obj.save(update_fields=[*changed, *also_update])
        return obj

    def load_film(self, data):
        values = {
            "title": data["title"],
            "original_title": data.get("original_title", ""),
            "tagline": data.get("tagline", ""),
            "overview": data["overview"],
            "release_date": data["release_date"],
            "runtime_minutes": data["runtime_minutes"],
        }
        # Never a full save: that would write back the film's review statistics as loaded.
        film = self.upsert(
            Film, {"slug": data["slug"]}, values, "films", also_update=("year", "updated")
        )
        film.genres.set(
            self.upsert(Genre, {"slug": slugify(name)}, {"name": name}, "genres")
            for name in data["genres"]
        )
        film.companies.set(
            self.upsert(Company, {"slug": slugify(name)}, {"name": name}, "companies")
            for name in data["companies"]
        )
        film.countries.set(self.countries[code] for code in data["countries"])

        credits = [(name, Credit.Role.DIRECTOR, "") for name in data["directors"]]
        credits += [(name, Credit.Role.WRITER, "") for name in data["writers"]]
        credits += [(name, Credit.Role.CAST, character) for name, character in data["cast"]]
        role_order = Counter()
        for name, role, character in credits:
            person = self.upsert(Person, {"slug": slugify(name)}, {"name": name}, "people")
            lookup = {"film": film, "person": person, "role": role, "character": character}
            self.upsert(Credit, lookup, {"order": role_order[role]}, "credits")
            role_order[role] += 1

        for title, language, region in data.get("alternative_titles", []):
            AlternativeTitle.objects.get_or_create(
                film=film, title=title, language=language, region=region
            )

        if not film.poster:
            self.draw_poster(film)
        return film

    def draw_poster(self, film):
        name = f"{Film._meta.get_field('poster').upload_to}{film.slug}.jpg"
        if not Film.objects.filter(poster=name).exists():
            # Left over from an earlier database: replace it rather than pile up copies.
            delete_with_renditions(name, Film.POSTER_WIDTHS)
        poster = render_poster(film.slug, film.title, film.year)
        film.poster.save(f"{film.slug}.jpg", ContentFile(poster), save=False)
        film.save(update_fields=["poster", "updated"])  # Film.save writes the renditions
        self.new["posters"] += 1

    def load_user(self, data):
        User = get_user_model()
        username = data["username"]
        values = {
            "email": f"{username}@example.com",
            "display_name": data["display_name"],
            "bio": data["bio"],
        }
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, email=values["email"])
            user.set_unusable_password()  # demo accounts can never be logged into
            user.save(update_fields=["password"])
            self.new["users"] += 1
        return self.upsert(User, {"pk": user.pk}, values, "users")

    def load_reviews(self, films, users):
        reviews = {}
        now = timezone.now()
        for age, data in enumerate(reversed(demo.REVIEWS)):
            film, author = films[data["film"]], users[data["author"]]
            fields = {
                "rating": data["rating"],
                "headline": data.get("headline", ""),
                "body": data.get("body", ""),
                "contains_spoilers": data.get("contains_spoilers", False),
            }
            review = Review.objects.filter(film=film, author=author).first()
            if review is None or any(getattr(review, k) != v for k, v in fields.items()):
                review, created = Review.objects.save_for(author=author, film=film, **fields)
                if created:
                    self.new["reviews"] += 1
                    # Spread the demo over the past weeks so "latest" shows a mix of films.
                    when = now - LATEST_REVIEW_AGE - age * REVIEW_SPACING
                    Review.objects.filter(pk=review.pk).update(created=when, updated=when)
            reviews[data["film"], data["author"]] = review
        return reviews

    def load_replies(self, reviews, users):
        for review_key, author, body in demo.REPLIES:
            _, created = Reply.objects.get_or_create(
                review=reviews[review_key], author=users[author], body=body
            )
            self.new["replies"] += created
        return len(demo.REPLIES)

    def load_likes(self, reviews, users):
        total = 0
        for review_key, likers in demo.LIKES.items():
            review = reviews[review_key]
            for username in likers:
                total += 1
                # toggle_like would take the like back on a second run.
                if not Like.objects.filter(user=users[username], review=review).exists():
                    review.toggle_like(users[username])
                    self.new["likes"] += 1
        return total


def _people(film_data):
    yield from film_data["directors"]
    yield from film_data["writers"]
    yield from (name for name, _ in film_data["cast"])
