from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("users/<str:username>/", views.profile, name="profile"),
    path("accounts/profile/", views.edit_profile, name="edit_profile"),
    path("accounts/export/", views.export_data, name="export"),
    path("accounts/import/", views.import_data, name="import"),
    path("accounts/import/unmatched.csv", views.import_unmatched, name="import_unmatched"),
    path("accounts/delete/", views.delete_account, name="delete"),
]
