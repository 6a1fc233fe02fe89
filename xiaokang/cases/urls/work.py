"""The roster, outreach and review pages, under /staff/work/ (docs/pages.md). Addresses carry record ids
only; everything that changes something is a POST. The ids are not named ``pk``: ``requires``
records a refused ``pk`` as a person's id in the audit trail, and these are rosters and tasks."""

from django.urls import path

from xiaokang.cases.views import rosters, tasks, temporary

urlpatterns = [
    path("rosters/", rosters.roster_list, name="roster-list"),
    path("rosters/build/", rosters.roster_build_view, name="roster-build"),
    path("rosters/<id:roster_pk>/approve/", rosters.roster_approve_view, name="roster-approve"),
    path("rosters/<id:roster_pk>/download/", rosters.roster_download, name="roster-download"),
    path("outreach/", tasks.outreach_list, name="outreach-list"),
    path("outreach/<id:task_pk>/", tasks.outreach_answer, name="outreach-answer"),
    path("reviews/", tasks.review_list, name="review-list"),
    path("reviews/<id:task_pk>/", tasks.review_decide, name="review-decide"),
    # Temporary assistance (S3): the grants awaiting the district's review, and a grant (``pk``: the
    # person's id, recorded with a refusal as on the person pages).
    path("temporary/", temporary.temporary_list, name="temporary-list"),
    path("temporary/new/<id:pk>/", temporary.temporary_create, name="temporary-create"),
]
