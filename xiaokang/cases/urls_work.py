"""The roster, outreach and review pages, under /staff/work/ (docs/pages.md). Addresses carry record ids
only; everything that changes something is a POST. The ids are not named ``pk``: ``roles_required``
records a refused ``pk`` as a person's id in the audit trail, and these are rosters and tasks."""

from django.urls import path

from xiaokang.cases import views_work

urlpatterns = [
    path("rosters/", views_work.roster_list, name="roster-list"),
    path("rosters/build/", views_work.roster_build_view, name="roster-build"),
    path("rosters/<int:roster_pk>/approve/", views_work.roster_approve_view, name="roster-approve"),
    path("rosters/<int:roster_pk>/download/", views_work.roster_download, name="roster-download"),
    path("outreach/", views_work.outreach_list, name="outreach-list"),
    path("outreach/<int:task_pk>/", views_work.outreach_answer, name="outreach-answer"),
    path("reviews/", views_work.review_list, name="review-list"),
    path("reviews/<int:task_pk>/", views_work.review_decide, name="review-decide"),
]
