"""People and their sites, seen from the accounts pages: which sites an instructor or liaison is assigned to,
and an account for a creation-group member (开通账号) from the site page.

accounts cannot import sites, so these pages live here (the user page shows them through sites_tags); who
may use them is sites.permissions, their forms are in sites.forms.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.models import User
from accounts.selectors import users_visible_to

from . import services
from .forms import MemberAccountForm, UserSitesForm
from .models import CreationGroupMember
from .permissions import may_assign_sites, may_open_member_accounts
from .selectors import sites_visible_to


def _proposed_username(member) -> str:
    """The member's mobile number when it is free (easy to remember), else one made from the site."""
    digits = re.sub(r"\D", "", member.phone or "")[-11:]
    base = digits if re.fullmatch(r"1[3-9]\d{9}", digits) else f"site{member.site_id}-{member.pk}"
    candidate, number = base, 1
    while User.objects.filter(username=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


@login_required
def user_sites(request, user_id):
    """Pick the sites (within the manager's scope) where this instructor or liaison is assigned."""
    person = get_object_or_404(users_visible_to(request.user).prefetch_related("groups"), pk=user_id)
    if not may_assign_sites(request.user, person):
        raise PermissionDenied
    form = UserSitesForm(request.POST or None, person=person, manager=request.user)
    if request.method == "POST" and form.fields and form.is_valid():
        try:
            changes = services.user_sites_set(
                by=request.user,
                person=person,
                instructed=form.cleaned_data.get("instructed"),
                liaised=form.cleaned_data.get("liaised"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存指派的示范点。") if changes else _("没有变化。"))
            return redirect("accounts:user_detail", pk=person.pk)
    person_url = reverse("accounts:user_detail", args=[person.pk])
    return render(
        request,
        "sites/user_sites.html",
        {
            "form": form,
            "person": person,
            "breadcrumbs": [
                (_("用户"), reverse("accounts:user_list")),
                (str(person), person_url),
                (_("指派示范点"), None),
            ],
        },
    )


def _form_error(form, error: ValidationError) -> None:
    """The username's own problems go beside it; the rest (phone, organization…) above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error("username" if field == "username" else None, errors)
    else:
        form.add_error(None, error)


@never_cache
@login_required
def member_account(request, pk, member_id):
    """开通账号 for a creation-group member: a site leader account, confirmed (or renamed) by the manager."""
    site = get_object_or_404(sites_visible_to(request.user).select_related("organization__region"), pk=pk)
    if not may_open_member_accounts(request.user):
        raise PermissionDenied
    member = get_object_or_404(CreationGroupMember, pk=member_id, site=site)
    if member.user_id:
        messages.info(request, _("%(member)s 已关联系统用户。") % {"member": member.name})
        return redirect(f"{site.get_absolute_url()}#group")
    form = MemberAccountForm(request.POST or None, initial={"username": _proposed_username(member)})
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.member_account_open(
                by=request.user, member=member, username=form.cleaned_data["username"]
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            # Shown once, on this response only: never in a flash message (they may live in a cookie).
            return render(
                request,
                "accounts/user_password.html",
                {
                    "person": user,
                    "password": password,
                    "created": True,
                    "next_url": f"{site.get_absolute_url()}#group",
                    "next_label": _("返回示范点"),
                    "breadcrumbs": [(_("示范点"), reverse("sites:list")), (site.name, site.get_absolute_url())],
                },
            )
    return render(
        request,
        "sites/member_account.html",
        {
            "form": form,
            "site": site,
            "member": member,
            "breadcrumbs": [
                (_("示范点"), reverse("sites:list")),
                (site.name, site.get_absolute_url()),
                (_("开通账号"), None),
            ],
        },
    )
