from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from xiaokang.registry.selectors import registry_summary


def home(request):
    return render(request, "registry/home.html")


@login_required
def staff_home(request):
    return render(request, "registry/staff_home.html", {"summary": registry_summary(request.user)})
