"""Role home pages. Each role sees what concerns it; later issues add their panels here."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from accounts.choices import Domain
from accounts.selectors import organizations_visible_to, regions_visible_to


@login_required
def home(request):
    user = request.user
    by_domain = dict(
        organizations_visible_to(user)
        .order_by()
        .values_list("domain")
        .annotate(n=Count("id"))
        .values_list("domain", "n")
    )
    domains = [(label, by_domain.get(code, 0)) for code, label in Domain.choices]
    return render(
        request,
        "dashboards/home.html",
        {
            "domains": domains,
            "organization_total": sum(by_domain.values()),
            "region_total": regions_visible_to(user).count(),
        },
    )
