from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/mine/", views.mine, name="mine"),
    path("events/calendar/", views.calendar_feed, name="calendar_feed"),
    path("events/calendar/renew/", views.renew_feed, name="renew_feed"),
    path("events/calendar/stop/", views.stop_feed, name="stop_feed"),
    # The link a calendar app reads: the token is a secret (network.logs redacts it).
    path("events/feed/<str:token>.ics", views.feed, name="feed"),
    path("events/<int:pk>/", views.detail, name="detail"),
    path("events/<int:pk>/register/", views.register, name="register"),
    path("events/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("events/<int:pk>/confirm/", views.confirm_offer, name="confirm_offer"),
    path("events/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("events/<int:pk>/books/offer/", views.offer_book, name="offer_book"),
    path("events/books/<int:pk>/withdraw/", views.withdraw_book, name="withdraw_book"),
    path("events/books/<int:pk>/book/", views.book_conversation, name="book_conversation"),
    path("events/bookings/<int:pk>/cancel/", views.cancel_booking, name="cancel_booking"),
]
