from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("films/<slug:slug>/review/", views.write_review, name="write"),
    path("reviews/<int:pk>/", views.review_detail, name="detail"),
    path("reviews/<int:pk>/edit/", views.edit_review, name="edit"),
    path("reviews/<int:pk>/delete/", views.delete_review, name="delete"),
    path("reviews/<int:pk>/like/", views.like_review, name="like"),
    path("reviews/<int:pk>/report/", views.report_review, name="report"),
]
