"""Sites panels on the pages of lower apps (accounts cannot import sites; templates may load these tags)."""

from django import template

from sites.permissions import INSTRUCTING_ROLES, LIAISON_ROLES, may_assign_sites, may_open_member_accounts
from sites.selectors import sites_visible_to

register = template.Library()


@register.inclusion_tag("sites/_user_sites_panel.html", takes_context=True)
def user_sites_panel(context, person):
    """On a user's page: the sites (that the viewer may see) where the person instructs, liaises or is in the
    creation group, with a link to change the first two for those who may."""
    viewer = context["request"].user
    if not viewer.has_perm("sites.view_site"):
        return {"hidden": True}
    visible = sites_visible_to(viewer).select_related("region").order_by("-nomination_year", "name")
    return {
        "person": person,
        "instructed": list(visible.filter(instructors=person)),
        "liaised": list(visible.filter(liaisons=person)),
        "led": list(visible.filter(group_members__user=person).distinct()),
        "assignable": person.has_role(*INSTRUCTING_ROLES, *LIAISON_ROLES),
        "can_assign": may_assign_sites(viewer, person),
    }


@register.inclusion_tag("sites/_organization_sites_panel.html", takes_context=True)
def organization_sites_panel(context, organization):
    """On an organization's page: its sites that the viewer may see, newest first."""
    viewer = context["request"].user
    if not viewer.has_perm("sites.view_site"):
        return {"hidden": True}
    sites = sites_visible_to(viewer).filter(organization=organization).order_by("-nomination_year", "name")
    return {"sites": list(sites)}


@register.inclusion_tag("sites/_member_account_button.html", takes_context=True)
def member_account_button(context, site, member):
    """开通账号 beside a creation-group member without an account, for those who may open one."""
    user = context["request"].user
    return {"site": site, "member": member, "show": not member.user_id and may_open_member_accounts(user)}
