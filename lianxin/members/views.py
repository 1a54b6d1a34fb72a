from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def member_list(request):
    members = selectors.member_list(fetched_by=request.user, q=request.GET.get("q", ""))[:50]
    return render(request, "members/list.html", {"members": members, "nav_active": "members"})


@login_required
def member_detail(request, member_id: int):
    member = selectors.member_get(fetched_by=request.user, member_id=member_id)
    return render(request, "members/detail.html", {"member": member})


@login_required
def member_import(request):
    return render(request, "members/import.html", {})
