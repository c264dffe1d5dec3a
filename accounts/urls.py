from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("users/<str:username>/", views.profile, name="profile"),
    path("accounts/profile/", views.edit_profile, name="edit_profile"),
]
