from django.urls import path

from . import views

app_name = "films"
urlpatterns = [
    path("films/", views.film_list, name="list"),
    path("films/<slug:slug>/", views.film_detail, name="detail"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("search/", views.search, name="search"),
]
