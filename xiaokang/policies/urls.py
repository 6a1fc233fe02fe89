from django.urls import path

from xiaokang.policies import views

urlpatterns = [
    path("", views.policy_list, name="policy-list"),
    path("what-if/", views.what_if, name="policy-what-if"),
    path("<slug:policy_id>/", views.policy_detail, name="policy-detail"),
]
