"""The public quota disclosure (/quota/…) and the staff page of member units (/staff/member-units/…);
included at the site root. docs/disclosure.md."""

from django.urls import path

from xiaokang.employment.views import disclosure as views

urlpatterns = [
    path("quota/", views.disclosure_years, name="disclosure-years"),
    path("quota/<int:year>/", views.disclosure_page, name="disclosure-page"),
    path("quota/<int:year>.xlsx", views.disclosure_xlsx, name="disclosure-xlsx"),
    path("quota/<int:year>/credit.csv", views.disclosure_credit_csv, name="disclosure-credit-csv"),
    path("quota/<int:year>/credit.json", views.disclosure_credit_json, name="disclosure-credit-json"),
    path("staff/member-units/", views.member_units_latest, name="member-units-latest"),
    path("staff/member-units/<int:year>/", views.member_units_page, name="member-units"),
    path("staff/member-units/<int:year>.xlsx", views.member_units_xlsx, name="member-units-xlsx"),
]
