"""Accounts pages: login lockout and password change, user management (who may manage whom is
accounts.permissions), the user import, and the Party organizations a user may browse and edit."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.audit import describe
from core.feedback import form_errors_as_messages
from core.pagination import DeferredPaginator
from core.permissions import require_permission
from core.previews import TOKEN_MAX_AGE

from . import exports, imports, services
from .filters import OrganizationFilter, UserFilter
from .forms import DeactivateForm, LoginForm, OrganizationForm, PasswordChangeForm, UserForm, UserImportForm
from .models import PartyOrganization, User
from .permissions import may_manage, may_manage_users, outranks
from .selectors import (
    audit_trail,
    organization_detail_queryset,
    organizations_manageable_by,
    organizations_visible_to,
    user_list_queryset,
    users_visible_to,
)

PAGE_SIZE = 30
PASSWORDS_SALT = "accounts.import_passwords"


def lockout_response(request, original_response=None, credentials=None):
    """django-axes calls this when a login is refused for too many failures: the login page, with why."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": True, "cooloff_minutes": minutes, "next": request.POST.get("next", "")},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, with a new password that must differ from the current (one-time) one; choosing it ends
    the obligation to change it (accounts.middleware)."""

    form_class = PasswordChangeForm


# --- Users ------------------------------------------------------------------------------------------


def manages_users(view):
    """Only those who manage accounts (permissions.may_manage_users) open these pages; others get a 403."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not may_manage_users(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _users_crumbs(*extra):
    return [(_("用户"), reverse("accounts:user_list")), *extra]


def _person(request, pk, *, manage: bool = False) -> User:
    """A user the manager may see (else 404); with manage=True also one they may manage (else 403)."""
    person = get_object_or_404(users_visible_to(request.user).prefetch_related("groups"), pk=pk)
    if manage and not may_manage(request.user, person):
        raise PermissionDenied
    return person


@manages_users
def user_list(request):
    filterset = UserFilter(request.GET, queryset=user_list_queryset(request.user), request=request)
    page = DeferredPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for person in page.object_list:
        person.manageable = outranks(request.user, person)  # the list holds only people in scope
    return render(
        request, "accounts/user_list.html", {"filter": filterset, "page_obj": page, "breadcrumbs": _users_crumbs()}
    )


@manages_users
def user_detail(request, pk):
    person = _person(request, pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "person": person,
            "can_manage": may_manage(request.user, person),
            "deactivate_form": DeactivateForm(),
            "audit": describe(audit_trail(person)),
            "breadcrumbs": _users_crumbs((str(person), None)),
        },
    )


@never_cache
@manages_users
def user_create(request):
    form = UserForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person, password = services.user_create(by=request.user, **form.account())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown once, on this response only: never in a flash message (they may live in a cookie).
            return render(
                request,
                "accounts/user_password.html",
                {
                    "person": person,
                    "password": password,
                    "created": True,
                    "breadcrumbs": _users_crumbs((str(person), None)),
                },
            )
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "title": _("新建用户"), "breadcrumbs": _users_crumbs((_("新建用户"), None))},
    )


@manages_users
def user_edit(request, pk):
    person = _person(request, pk, manage=True)
    form = UserForm(request.POST or None, instance=User.objects.get(pk=person.pk), manager=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(by=request.user, user=person, **form.account())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("accounts:user_detail", pk=person.pk)
    return render(
        request,
        "accounts/user_form.html",
        {
            "form": form,
            "person": person,
            "title": _("编辑用户"),
            "breadcrumbs": _users_crumbs(
                (str(person), reverse("accounts:user_detail", args=[person.pk])), (_("编辑"), None)
            ),
        },
    )


@never_cache
@require_POST
@manages_users
def user_reset_password(request, pk):
    person = _person(request, pk, manage=True)
    password = services.user_reset_password(by=request.user, user=person)
    return render(
        request,
        "accounts/user_password.html",
        {
            "person": person,
            "password": password,
            "breadcrumbs": _users_crumbs(
                (str(person), reverse("accounts:user_detail", args=[person.pk])), (_("重置密码"), None)
            ),
        },
    )


@require_POST
@manages_users
def user_deactivate(request, pk):
    person = _person(request, pk, manage=True)
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("accounts:user_detail", pk=person.pk)
    try:
        services.user_deactivate(by=request.user, user=person, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("已停用“%(user)s”：该账号不能再登录，已登录的会话也已结束。") % {"user": person})
    return redirect("accounts:user_detail", pk=person.pk)


@require_POST
@manages_users
def user_reactivate(request, pk):
    person = _person(request, pk, manage=True)
    services.user_reactivate(by=request.user, user=person)
    messages.success(request, _("已重新启用“%(user)s”。") % {"user": person})
    return redirect("accounts:user_detail", pk=person.pk)


@never_cache
@manages_users
def user_import(request):
    form = UserImportForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and "token" in request.POST:
        preview = imports.preview_from_token(request.POST["token"], request.user)
        if preview is None:
            messages.error(request, _("导入已过期或已完成，请重新上传文件。"))
            return redirect("accounts:user_import")
        if not preview.errors:
            try:
                created = services.users_import(by=request.user, rows=preview.rows)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                imports.discard(request.POST["token"], request.user)
                return _import_result(request, created)
        else:
            messages.error(request, _("文件有错误，未导入。"))
    elif request.method == "POST" and form.is_valid():
        preview = imports.preview_upload(form.cleaned_data["file"], request.user)
    return render(
        request,
        "accounts/user_import.html",
        {"form": form, "preview": preview, "breadcrumbs": _users_crumbs((_("导入用户"), None))},
    )


def _import_result(request, created):
    """Each new username with its one-time password, shown once; the download posts the same list back,
    signed so that the workbook holds only what this import produced."""
    accounts = [
        [person.username, person.full_name, "、".join(person.role_labels), password] for person, password in created
    ]
    return render(
        request,
        "accounts/user_import_result.html",
        {
            "accounts": accounts,
            "download": signing.dumps(accounts, salt=PASSWORDS_SALT, compress=True),
            "breadcrumbs": _users_crumbs((_("导入结果"), None)),
        },
    )


@never_cache
@require_POST
@manages_users
def user_import_passwords(request):
    try:
        accounts = signing.loads(request.POST.get("data", ""), salt=PASSWORDS_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, _("下载已过期：一次性密码只在导入后一小时内可以下载，过期请为相关用户重置密码。"))
        return redirect("accounts:user_list")
    return exports.passwords_response(accounts)


@manages_users
def user_import_template(request):
    with translation.override(settings.LANGUAGE_CODE):  # import files are read by their Chinese labels
        return exports.import_template_response(request.user)


# --- Party organizations ----------------------------------------------------------------------------


def _organizations_crumbs(*extra):
    return [(_("党组织"), reverse("accounts:organization_list")), *extra]


@require_permission("accounts.view_partyorganization")
def organization_list(request):
    filterset = OrganizationFilter(request.GET, queryset=organizations_visible_to(request.user), request=request)
    page = DeferredPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/organization_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "can_add": request.user.has_perm("accounts.add_partyorganization"),
            "breadcrumbs": [(_("党组织"), None)],
        },
    )


@require_permission("accounts.view_partyorganization")
def organization_detail(request, pk):
    organization = get_object_or_404(organization_detail_queryset(request.user), pk=pk)
    can_edit = (
        request.user.has_perm("accounts.change_partyorganization")
        and organizations_manageable_by(request.user).filter(pk=organization.pk).exists()
    )
    people = None
    if request.user.has_perm("accounts.view_user"):
        people = list(users_visible_to(request.user).filter(organization=organization).prefetch_related("groups")[:200])
    return render(
        request,
        "accounts/organization_detail.html",
        {
            "organization": organization,
            "people": people,
            "can_edit": can_edit,
            "can_manage_users": may_manage_users(request.user),
            "audit": describe(audit_trail(organization)) if can_edit else [],
            "breadcrumbs": _organizations_crumbs((organization.name, None)),
        },
    )


@require_permission("accounts.change_partyorganization")
def organization_edit(request, pk):
    organization = get_object_or_404(organizations_manageable_by(request.user), pk=pk)
    form = OrganizationForm(
        request.POST or None, instance=PartyOrganization.objects.get(pk=organization.pk), editor=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(by=request.user, organization=organization, **form.values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("accounts:organization_detail", pk=organization.pk)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "subject": organization,
            "cancel_url": reverse("accounts:organization_detail", args=[organization.pk]),
            "title": _("编辑党组织"),
            "breadcrumbs": _organizations_crumbs(
                (organization.name, reverse("accounts:organization_detail", args=[organization.pk])), (_("编辑"), None)
            ),
        },
    )


@require_permission("accounts.add_partyorganization")
def organization_create(request):
    form = OrganizationForm(request.POST or None, editor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(by=request.user, **form.values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已新建党组织“%(name)s”。") % {"name": organization})
            return redirect("accounts:organization_detail", pk=organization.pk)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "cancel_url": reverse("accounts:organization_list"),
            "title": _("新建党组织"),
            "breadcrumbs": _organizations_crumbs((_("新建党组织"), None)),
        },
    )
