from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("home/", views.home, name="home"),
    path("account/", views.account, name="account"),
    path("members/", views.directory, name="directory"),
    path("members/<int:pk>/", views.profile, name="profile"),
    path("members/<int:pk>/photo/", views.photo, name="photo"),
    path("profile/edit/", views.edit_profile, name="edit_profile"),
    path("profile/photo/", views.edit_photo, name="edit_photo"),
    path("profile/photo/remove/", views.remove_photo, name="remove_photo"),
    path("profile/milestones/", views.milestones, name="milestones"),
    path("profile/milestones/<int:pk>/remove/", views.remove_milestone, name="remove_milestone"),
    path("profile/self-description/", views.self_description, name="self_description"),
    path("profile/self-description/consent/", views.give_consent, name="give_consent"),
    path("profile/self-description/withdraw/", views.withdraw_consent, name="withdraw_consent"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.download_my_data, name="download_my_data"),
    path("my-data/emails/", views.email_preferences, name="email_preferences"),
    path("my-data/delete/", views.delete_account, name="delete_account"),
]
