from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def tree(request):
    return render(
        request,
        "org/tree.html",
        {"roots": selectors.unit_roots(fetched_by=request.user), "nav_active": "org"},
    )


@login_required
def unit_detail(request, unit_id: int):
    unit = selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
    return render(request, "org/unit.html", {"unit": unit, "coverage": selectors.unit_coverage(unit=unit)})


@login_required
def unit_children(request, unit_id: int):
    unit = selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
    children = selectors.unit_children(fetched_by=request.user, unit=unit)
    return render(request, "org/partials/_children.html", {"children": children})
