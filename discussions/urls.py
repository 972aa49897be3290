from django.urls import path

from discussions import follow_views, resource_views, search, views

app_name = "discussions"

urlpatterns = [
    path("", views.space_list, name="spaces"),
    path("search/", search.search, name="search"),
    path("spaces/<slug:slug>/", views.space, name="space"),
    path("spaces/<slug:slug>/new/", views.new_topic, name="new_topic"),
    path("topics/<int:pk>/", views.topic, name="topic"),
    path("topics/<int:pk>/reply/", views.reply, name="reply"),
    path("following/", follow_views.followed, name="following"),
    path("spaces/<slug:slug>/follow/", follow_views.space, {"follow": True}, name="follow_space"),
    path(
        "spaces/<slug:slug>/unfollow/", follow_views.space, {"follow": False}, name="unfollow_space"
    ),
    path("topics/<int:pk>/follow/", follow_views.topic, {"follow": True}, name="follow_topic"),
    path("topics/<int:pk>/unfollow/", follow_views.topic, {"follow": False}, name="unfollow_topic"),
    path("posts/<int:pk>/edit/", views.edit_post, name="edit_post"),
    path("posts/<int:pk>/remove/", views.remove_post, name="remove_post"),
    path("posts/<int:pk>/documents/add/", resource_views.add_document, name="add_document"),
    path("documents/<int:pk>/", resource_views.document, name="document"),
    path("documents/<int:pk>/remove/", resource_views.remove_document, name="remove_document"),
    path("topics/<int:pk>/resource/", resource_views.resource, name="resource"),
    path("resources/", resource_views.resource_list, name="resources"),
]
