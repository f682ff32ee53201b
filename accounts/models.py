"""Users, the administrative regions of the city and its Party organizations."""

from django.contrib.auth.models import AbstractUser, Group, Permission, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .choices import REGION_PARENT_KINDS, DataScope, Domain, OrganizationKind, RegionKind
from .roles import Role
from .validators import validate_phone

LABEL_SEPARATOR = " · "


class Region(TimeStampedModel):
    """行政区划: a node of the city's tree, city → district/county (or 市直) → town/subdistrict → village/community.

    `path` is a materialized path of ids ("/1/4/17/") so "this node and everything under it" is one indexed
    prefix query, which every data-scope filter relies on. `label` is the node's names from the district
    down ("临江区 · 石门镇 · 杨柳村"): a real city has three 杨柳村, so that is how a region is shown and
    chosen everywhere. Both are kept by save(); code that bulk-inserts regions must set them itself.
    """

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("层级"), max_length=16, choices=RegionKind.choices)
    code = models.CharField(_("区划代码"), max_length=32, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, related_name="children", on_delete=models.PROTECT
    )
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(_("深度"), editable=False, default=0)
    label = models.CharField(_("全称"), max_length=500, editable=False, default="")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]
        indexes = [
            # The tree picker's in-page levels: `depth <= n ORDER BY depth, path LIMIT …` walks this index.
            models.Index(fields=["depth", "path"], name="region_depth_path"),
            # The district-level nodes in the tree's order (a country has thousands; the targets page pages through
            # them): counted and walked in order from a small index, never from their scattered rows.
            models.Index(
                fields=["path"],
                condition=models.Q(depth=1, kind__in=[RegionKind.DISTRICT, RegionKind.MUNICIPAL]),
                name="region_district_path",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_under_parent"),
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="region_unique_code_when_given"
            ),
        ]

    def __str__(self):
        return self.label or self.name

    def clean(self):
        parent_kind = self.parent.kind if self.parent_id else None
        allowed = REGION_PARENT_KINDS.get(self.kind, set())
        if parent_kind not in allowed:
            raise ValidationError({"parent": _("“%(kind)s”不能设在该上级区划之下") % {"kind": self.get_kind_display()}})
        if self.pk and self.parent_id and f"/{self.pk}/" in self.parent.path:
            raise ValidationError({"parent": _("上级区划不能是自身或其下级")})

    @staticmethod
    def label_under(parent: "Region | None", name: str) -> str:
        """The label of a node called `name` under `parent`: the root itself is not repeated in labels."""
        if parent is None or parent.parent_id is None:
            return name
        return f"{parent.label or parent.name}{LABEL_SEPARATOR}{name}"

    def save(self, *args, **kwargs):
        # The path depends on the id, so it is set right after the row is written. Moving a node rewrites
        # the paths under it in one UPDATE, renaming it the labels under it. This keeps the tree consistent;
        # it is not a business rule.
        old_label = self.label
        self.label = self.label_under(self.parent, self.name)
        super().save(*args, **kwargs)
        old_path, old_depth = self.path, self.depth
        new_path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
        if new_path == old_path and self.label == old_label:
            return
        if new_path != old_path:
            self.path, self.depth = new_path, new_path.count("/") - 2
            Region.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            if old_path:
                Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1)),
                    depth=models.F("depth") + (self.depth - old_depth),
                )
                # The sites under the moved node may now be in another district.
                from .signals import sites_moved

                sites_moved.send(sender=Region, site_lookups={"region__path__startswith": new_path})
        self._relabel_descendants()

    def _relabel_descendants(self) -> None:
        labels = {self.pk: self}
        changed = []
        for node in Region.objects.filter(path__startswith=self.path).exclude(pk=self.pk).order_by("depth", "path"):
            node.parent = labels.get(node.parent_id, node.parent)
            label = self.label_under(node.parent, node.name)
            if label != node.label:
                node.label = label
                changed.append(node)
            labels[node.pk] = node
        Region.objects.bulk_update(changed, ["label"], batch_size=1000)

    def is_within(self, other: "Region") -> bool:
        """True when this node is `other` or lies under it."""
        return self.path.startswith(other.path)


class OrganizationManager(models.Manager):
    # An organization is always shown with its region's label (str), so its region always comes along.
    def get_queryset(self):
        return super().get_queryset().select_related("region")


class PartyOrganization(TimeStampedModel):
    """党组织: a Party committee, general branch, branch or joint branch, in a region and of a domain."""

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=OrganizationKind.choices)
    domain = models.CharField(_("领域"), max_length=20, choices=Domain.choices, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), related_name="organizations", on_delete=models.PROTECT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级党组织"),
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )
    secretary = models.CharField(_("书记"), max_length=50, blank=True)
    member_count = models.PositiveIntegerField(_("党员人数"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    objects = OrganizationManager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="organization_unique_name_in_region"),
        ]
        # Coverage counts active organizations per domain and per region (issue 12: a full scan of 226k rows
        # on the targets page without them).
        indexes = [
            models.Index(fields=["domain"], condition=models.Q(is_active=True), name="org_active_domain"),
            models.Index(fields=["region"], condition=models.Q(is_active=True), name="org_active_region"),
        ]

    def __str__(self):
        # Same-named branches are normal (three 杨柳村党支部): the region tells them apart.
        return f"{self.name}（{self.region}）"

    def clean(self):
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("上级党组织不能是自身")})


class User(AbstractUser):
    """系统用户: anyone who logs in. Roles are groups (roles.py); what they see is their data scope.

    `organization` is the unit a person belongs to (a site leader's own branch; for scorers it is what the
    conflict-of-interest rule compares against); `region` is the subtree a region-scoped user oversees.
    """

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, validators=[validate_phone])
    unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("所属党组织"),
        null=True,
        blank=True,
        related_name="members",
        on_delete=models.SET_NULL,
    )
    scope = models.CharField(_("数据范围"), max_length=16, choices=DataScope.choices, default=DataScope.ASSIGNED)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所辖区域"),
        null=True,
        blank=True,
        related_name="users",
        on_delete=models.PROTECT,
        help_text=_("数据范围为“所辖区域”时必填：该用户可见此区划及其下级的数据。"),
    )
    # Set when an administrator hands out a one-time password (new account, reset); the user is sent to the
    # password-change page until they choose their own (accounts.middleware).
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        # The user list's ordering (accounts.selectors.user_list_queryset), so its pages are an index scan.
        indexes = [models.Index(fields=["-is_active", "username"], name="user_list_order")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(scope=DataScope.REGION) | models.Q(region__isnull=False),
                name="user_region_scope_needs_region",
            ),
        ]

    def __str__(self):
        return f"{self.full_name}（{self.username}）" if self.full_name else self.username

    def clean(self):
        super().clean()
        if self.scope == DataScope.REGION and not self.region_id:
            raise ValidationError({"region": _("数据范围为“所辖区域”时必须选择所辖区域")})

    def get_full_name(self):
        return self.full_name or self.username

    def get_short_name(self):
        return self.full_name or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """The role codes this user holds (group names); a superuser holds admin implicitly."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("groups")
        if prefetched is not None:  # a list of users comes with their groups (and needs no permissions)
            return self._role_codes({group.name for group in prefetched})
        return self._role_codes(self._load_grants())

    def _role_codes(self, names: set[str]) -> frozenset[str]:
        if self.is_superuser:
            names = names | {Role.ADMIN}
        return frozenset(name for name in names if name in Role.values)

    def has_perm(self, perm, obj=None):
        if obj is None and self.is_active and not hasattr(self, "_perm_cache"):
            self.__dict__.setdefault("roles", self._role_codes(self._load_grants()))
        return super().has_perm(perm, obj)

    def _load_grants(self) -> set[str]:
        """The names of the user's groups, returned, and their permissions (their own and their groups') read
        with them, in one query: nearly every page asks both, and Django's ModelBackend reads the permissions in
        two queries of its own. The permissions go where ModelBackend keeps them (`_perm_cache`, which it then
        reads instead of querying), the same set it would build: a superuser's are every permission."""
        kind = {"perm": Value(0), "group": Value(1)}
        permissions = Permission.objects.all() if self.is_superuser else None
        parts = (
            [permissions.values_list(kind["perm"], "content_type__app_label", "codename")]
            if permissions is not None
            else [
                Permission.objects.filter(user=self).values_list(kind["perm"], "content_type__app_label", "codename"),
                Permission.objects.filter(group__user=self).values_list(
                    kind["perm"], "content_type__app_label", "codename"
                ),
            ]
        )
        parts.append(Group.objects.filter(user=self).values_list(kind["group"], "name", "name"))
        parts = [part.order_by() for part in parts]
        perms, names = set(), set()
        for which, first, second in parts[0].union(*parts[1:], all=True).order_by():
            if which == 1:
                names.add(first)
            else:
                perms.add(f"{first}.{second}")
        if not hasattr(self, "_perm_cache"):
            self._perm_cache = perms
        return names

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in Role.values if code in self.roles]
