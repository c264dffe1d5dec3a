from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.forms import CleanImageField

from .models import (
    AlternativeTitle,
    Company,
    Country,
    Credit,
    Film,
    Genre,
    Person,
    SearchQuery,
)


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 1
    autocomplete_fields = ["person"]
    fields = ["person", "role", "character", "order"]


class AlternativeTitleInline(admin.TabularInline):
    model = AlternativeTitle
    extra = 1


class FilmAdminForm(admin.ModelAdmin.form):
    poster = CleanImageField(label=_("Poster"), required=False)


@admin.register(Film)
class FilmAdmin(admin.ModelAdmin):
    form = FilmAdminForm
    list_display = ["title", "year", "rating_count", "review_count", "average"]
    list_filter = ["genres", "countries", "year"]
    search_fields = ["title", "original_title", "alternative_titles__title", "imdb_id"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["genres", "companies", "countries"]
    readonly_fields = ["poster_preview", "rating_count", "review_count", "average", "year"]
    inlines = [CreditInline, AlternativeTitleInline]
    fieldsets = [
        (None, {"fields": ["title", "original_title", "slug", "tagline", "overview"]}),
        (_("Facts"), {"fields": ["release_date", "year", "runtime_minutes", "imdb_id"]}),
        (_("Poster"), {"fields": ["poster", "poster_preview"]}),
        (_("Classification"), {"fields": ["genres", "companies", "countries"]}),
        (_("Statistics"), {"fields": ["rating_count", "review_count", "average"]}),
    ]
    show_full_result_count = False

    @admin.display(description=_("Poster preview"))
    def poster_preview(self, film):
        if not film.poster:
            return "—"
        return format_html('<img src="{}" alt="" width="185">', film.poster_small)

    @admin.display(description=_("Average (★)"), ordering="rating_average")
    def average(self, film):
        return film.average_stars if film.average_stars is not None else "—"


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "birth_year", "imdb_id"]
    search_fields = ["name", "imdb_id"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(SearchQuery)
class SearchQueryAdmin(admin.ModelAdmin):
    """Recent searches are public on the home page: staff can remove one that shouldn't be."""

    list_display = ["query", "hits", "last_searched_at"]
    search_fields = ["query"]
    readonly_fields = ["query", "hits", "last_searched_at"]

    def has_add_permission(self, request):
        return False
