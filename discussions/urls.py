from django.urls import path

from discussions import search, views

app_name = "discussions"

urlpatterns = [
    path("", views.space_list, name="spaces"),
    path("search/", search.search, name="search"),
    path("spaces/<slug:slug>/", views.space, name="space"),
    path("spaces/<slug:slug>/new/", views.new_topic, name="new_topic"),
    path("topics/<int:pk>/", views.topic, name="topic"),
    path("topics/<int:pk>/reply/", views.reply, name="reply"),
    path("posts/<int:pk>/edit/", views.edit_post, name="edit_post"),
    path("posts/<int:pk>/remove/", views.remove_post, name="remove_post"),
]
