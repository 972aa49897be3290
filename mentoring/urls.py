from django.urls import path

from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("", views.home, name="home"),
    path("offer/", views.offer, name="offer"),
    path("goals/", views.goals, name="goals"),
    path("ask/<int:pk>/", views.ask, name="ask"),
    path("rounds/<int:pk>/join/", views.join_round, name="join_round"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/withdraw/", views.withdraw_request, name="withdraw_request"),
    path("requests/<int:pk>/accept/", views.accept_request, name="accept_request"),
    path("requests/<int:pk>/decline/", views.decline_request, name="decline_request"),
    path("requests/<int:pk>/question/", views.ask_question, name="ask_question"),
    path("requests/<int:pk>/answer/", views.answer_question, name="answer_question"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing"),
    path("pairings/<int:pk>/agree/", views.agree, name="agree"),
    path("pairings/<int:pk>/decline/", views.decline_pairing, name="decline_pairing"),
    path("pairings/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("pairings/<int:pk>/working/", views.fit, name="fit"),
    path("pairings/<int:pk>/end/", views.end_pairing, name="end_pairing"),
    path("pairings/<int:pk>/extend/", views.extend, name="extend"),
    path("pairings/<int:pk>/close-out/", views.close_out, name="close_out"),
]
