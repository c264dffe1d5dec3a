from django.urls import path

from . import feeds, views

app_name = "reviews"
urlpatterns = [
    path("films/<slug:slug>/review/", views.write_review, name="write"),
    path("reviews/<int:pk>/", views.review_detail, name="detail"),
    path("reviews/<int:pk>/edit/", views.edit_review, name="edit"),
    path("reviews/<int:pk>/delete/", views.delete_review, name="delete"),
    path("reviews/<int:pk>/like/", views.like_review, name="like"),
    path("reviews/<int:pk>/report/", views.report_review, name="report"),
    path("replies/<int:pk>/report/", views.report_reply, name="report_reply"),
    path("feeds/reviews/", feeds.LatestReviewsFeed(), name="feed"),
    path("films/<slug:slug>/feed/", feeds.FilmReviewsFeed(), name="film_feed"),
    path("users/<str:username>/feed/", feeds.MemberReviewsFeed(), name="member_feed"),
]
