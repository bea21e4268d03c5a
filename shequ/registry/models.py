"""The registry: one standard, three actuals (一标三实).

Standard addresses, actual houses, actual population (households, residents) and actual
units. Every record carries its ancestors (``Located``) so scope filters are one index lookup.
ID numbers and phones are stored encrypted (``EncryptedTextField``) and found by keyed hashes.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedTextField
from shequ.core.models import BaseModel
from shequ.jurisdiction.models import Located


class Address(Located, BaseModel):
    """标准地址: road, number, compound, building, unit, room."""

    class Kind(models.TextChoices):
        BUILDING = "building", _("楼栋地址")
        HOUSE = "house", _("房屋地址")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    road = models.CharField(_("街路巷"), max_length=100)
    number = models.CharField(_("门牌号"), max_length=30)
    compound_name = models.CharField(_("小区"), max_length=100, blank=True)
    building_no = models.CharField(_("楼栋号"), max_length=30, blank=True)
    unit_no = models.CharField(_("单元号"), max_length=30, blank=True)
    room = models.CharField(_("室号"), max_length=30, blank=True)
    full_text = models.CharField(_("标准地址"), max_length=300, editable=False)
    search_text = models.CharField(_("检索文本"), max_length=300, editable=False, db_index=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    class Meta:
        verbose_name = _("标准地址")
        verbose_name_plural = _("标准地址")
        ordering = ["search_text"]

    def __str__(self) -> str:
        return self.full_text


class Tag(BaseModel):
    """The controlled vocabulary of resident tags (独居老人, 低保, 残疾人, ...)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    category = models.CharField(_("分类"), max_length=40, blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    sensitive = models.BooleanField(_("敏感"), default=False, help_text=_("敏感标签仅有查看明文权限的用户可见"))
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("居民标签")
        verbose_name_plural = _("居民标签")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class House(Located, BaseModel):
    """实有房屋."""

    class Use(models.TextChoices):
        OWNER_OCCUPIED = "owner_occupied", _("自住")
        RENTED = "rented", _("出租")
        VACANT = "vacant", _("空置")
        COMMERCIAL = "commercial", _("商用")

    code = models.CharField(_("房屋编码"), max_length=40, unique=True, help_text=_("楼栋代码+单元+室号,重复导入时按此更新"))
    address = models.OneToOneField(Address, verbose_name=_("标准地址"), on_delete=models.PROTECT, related_name="house")
    unit_node = models.ForeignKey("jurisdiction.Node", verbose_name=_("单元"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey("jurisdiction.ResidentGroup", verbose_name=_("居民/村民小组"), null=True, blank=True, on_delete=models.SET_NULL, related_name="houses")
    room = models.CharField(_("室号"), max_length=30)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    area = models.DecimalField(_("面积(㎡)"), max_digits=8, decimal_places=2, null=True, blank=True)
    use = models.CharField(_("用途"), max_length=20, choices=Use.choices, default=Use.OWNER_OCCUPIED, db_index=True)
    owner_name = models.CharField(_("产权人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("实有房屋")
        verbose_name_plural = _("实有房屋")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.address.full_text if self.address_id else self.code


class Household(Located, BaseModel):
    """户: the people who live together in one house."""

    class Kind(models.TextChoices):
        FAMILY = "family", _("家庭户")
        COLLECTIVE = "collective", _("集体户")

    class Registration(models.TextChoices):
        LOCAL = "local", _("户籍户")
        NON_LOCAL = "non_local", _("非户籍户")

    number = models.CharField(_("户号"), max_length=40, unique=True)
    house = models.ForeignKey(House, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="households")
    group = models.ForeignKey("jurisdiction.ResidentGroup", verbose_name=_("居民/村民小组"), null=True, blank=True, on_delete=models.SET_NULL, related_name="households")
    kind = models.CharField(_("户类型"), max_length=16, choices=Kind.choices, default=Kind.FAMILY)
    registration = models.CharField(_("户籍性质"), max_length=16, choices=Registration.choices, default=Registration.LOCAL)
    head = models.ForeignKey("registry.Resident", verbose_name=_("户主"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class ResidentQuerySet(models.QuerySet):
    def with_id_hash(self, id_hash: str):
        """Residents with this keyed ID hash. Repeats the partial unique index's condition
        (``id_hash <> ''``) so that SQLite uses the index instead of scanning the table."""
        return self.filter(id_hash=id_hash).exclude(id_hash="")


class Resident(Located, BaseModel):
    """实有人口."""

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class ResidenceType(models.TextChoices):
        REGISTERED = "registered", _("户籍人口")
        PERMANENT = "permanent", _("常住非户籍")
        FLOATING = "floating", _("流动人口")
        OVERSEAS = "overseas", _("境外人员")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        MOVED_OUT = "moved_out", _("已迁出")
        DECEASED = "deceased", _("已故")

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_hash = models.CharField(_("身份证号索引"), max_length=32, blank=True, editable=False)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_hash = models.CharField(_("电话索引"), max_length=32, blank=True, editable=False, db_index=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, default="汉族")
    household = models.ForeignKey(Household, verbose_name=_("户"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    house = models.ForeignKey(House, verbose_name=_("居住房屋"), null=True, blank=True, on_delete=models.SET_NULL, related_name="occupants")
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True)
    residence_type = models.CharField(_("人口类型"), max_length=16, choices=ResidenceType.choices, default=ResidenceType.REGISTERED)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="residents")
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["id_hash"], condition=~models.Q(id_hash=""), name="resident_unique_id_number"),
        ]
        # Lists "residents under a street/community/grid" filter by ancestor and status and page by id:
        # one index range in id order, no sort and no table visits to skip rows (bench/bench_lists.py).
        indexes = [
            models.Index(fields=["street", "status", "id"], name="resident_street_list_idx"),
            models.Index(fields=["community", "status", "id"], name="resident_community_list_idx"),
            models.Index(fields=["grid", "status", "id"], name="resident_grid_list_idx"),
        ]
        permissions = [("unmask_personal_data", _("可查看身份证号、电话明文"))]

    def __str__(self) -> str:
        return self.name


class HouseholdMembership(BaseModel):
    """History of moves into and out of households (迁入/迁出)."""

    resident = models.ForeignKey(Resident, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="memberships")
    household = models.ForeignKey(Household, verbose_name=_("户"), on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True)
    joined_on = models.DateField(_("迁入日期"))
    join_reason = models.CharField(_("迁入原因"), max_length=100, blank=True)
    left_on = models.DateField(_("迁出日期"), null=True, blank=True)
    leave_reason = models.CharField(_("迁出原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("户成员变动")
        verbose_name_plural = _("户成员变动")
        ordering = ["-joined_on", "-id"]

    def __str__(self) -> str:
        return f"{self.resident_id}@{self.household_id}"


class Tenancy(Located, BaseModel):
    """A tenant living in a rented house (以房管人)."""

    house = models.ForeignKey(House, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="tenancies")
    tenant = models.ForeignKey(Resident, verbose_name=_("承租人"), on_delete=models.PROTECT, related_name="tenancies")
    landlord_name = models.CharField(_("出租人"), max_length=50, blank=True)
    contract_no = models.CharField(_("合同编号"), max_length=50, blank=True)
    start_on = models.DateField(_("起租日期"))
    end_on = models.DateField(_("到期日期"), null=True, blank=True)
    ended_on = models.DateField(_("退租日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("租住登记")
        verbose_name_plural = _("租住登记")
        ordering = ["-start_on"]

    def __str__(self) -> str:
        return f"{self.tenant} @ {self.house}"


class Establishment(Located, BaseModel):
    """实有单位: enterprises, shops, property companies, social organizations, schools, ..."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        SHOP = "shop", _("个体商户/门店")
        PROPERTY_COMPANY = "property_company", _("物业服务企业")
        SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
        SCHOOL = "school", _("学校")
        GOVERNMENT = "government", _("机关事业单位")
        RESIDENT_UNIT = "resident_unit", _("驻区单位")

    class Sector(models.TextChoices):
        PUBLIC = "public", _("党政机关/事业单位")
        STATE_OWNED = "state_owned", _("国有企业")
        NON_PUBLIC = "non_public", _("非公有制企业")
        SOCIAL = "social", _("社会组织")
        EDUCATION = "education", _("教育")
        HEALTH = "health", _("医疗卫生")
        RETAIL = "retail", _("商贸零售")
        CATERING = "catering", _("餐饮住宿")
        PROPERTY = "property", _("物业管理")
        OTHER = "other", _("其他")

    name = models.CharField(_("单位名称"), max_length=150, db_index=True)
    kind = models.CharField(_("单位类型"), max_length=32, choices=Kind.choices, db_index=True)
    sector = models.CharField(_("行业/领域"), max_length=32, choices=Sector.choices, default=Sector.OTHER)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    address = models.ForeignKey(Address, verbose_name=_("地址"), on_delete=models.PROTECT, related_name="establishments")
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    contact_phone_hash = models.CharField(_("联系电话索引"), max_length=32, blank=True, editable=False, db_index=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    is_resident_unit = models.BooleanField(_("驻区单位"), default=False)

    class Meta:
        verbose_name = _("实有单位")
        verbose_name_plural = _("实有单位")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~models.Q(credit_code=""), name="establishment_unique_credit_code"),
        ]

    def __str__(self) -> str:
        return self.name
