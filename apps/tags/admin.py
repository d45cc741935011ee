"""Admin for moderators: find tags, create official ones, see and delete tags with their bindings.

Tags are created and deleted through the services, so the search index hears of it. A tag's
name is not edited here: its bindings and search document follow the name it was created with.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.tags import services
from apps.tags.models import OFFICIAL_OWNER_KEY, Tag, TagBinding
from apps.tags.names import TagNameInvalid, tag_name_parse


class OfficialTagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name",)
        help_texts = {"name": "An official tag, offered to everyone; at most 32 characters."}

    def clean_name(self) -> str:
        try:
            name = tag_name_parse(self.cleaned_data["name"])
        except TagNameInvalid as error:
            raise forms.ValidationError(error.messages) from error
        if Tag.objects.filter(owner_key=OFFICIAL_OWNER_KEY, name_key=name.key).exists():
            raise forms.ValidationError("An official tag with this name already exists.")
        return name.display


class OwnershipFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("official", "Official"), ("owned", "Owned by a user")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tag]) -> QuerySet[Tag]:
        if self.value() == "official":
            return queryset.filter(owner_key=OFFICIAL_OWNER_KEY)
        if self.value() == "owned":
            return queryset.exclude(owner_key=OFFICIAL_OWNER_KEY)
        return queryset


class TagBindingInline(admin.TabularInline):
    model = TagBinding
    extra = 0
    can_delete = False
    fields = ("biz", "biz_id", "created_at")
    readonly_fields = fields
    verbose_name_plural = "latest bindings"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TagBinding]:
        # The latest bindings only: a popular tag may have hundreds of thousands.
        latest = super().get_queryset(request).order_by("-id").values_list("id", flat=True)[:20]
        return TagBinding.objects.filter(id__in=list(latest)).order_by("-id")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = OfficialTagForm
    list_display = ("id", "name", "official", "owner", "created_at")
    list_filter = (OwnershipFilter,)
    list_select_related = ("owner",)
    search_fields = ("name", "=owner__email")
    show_full_result_count = False
    ordering = ("-id",)

    @admin.display(boolean=True, description="official")
    def official(self, tag: Tag) -> bool:
        return tag.is_official

    def get_readonly_fields(self, request: HttpRequest, obj: Tag | None = None) -> tuple[str, ...]:
        return ("owner", "created_at") if obj is not None else ()

    def get_inlines(self, request: HttpRequest, obj: Tag | None) -> list[type]:
        return [TagBindingInline] if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the change page is a read-only view

    def save_model(self, request: HttpRequest, obj: Tag, form: Any, change: bool) -> None:
        created = services.tag_create_official(name=form.cleaned_data["name"])
        obj.pk = created.pk
        obj.refresh_from_db()

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        # Counts instead of Django's list of every related row: a popular tag has too many
        # bindings to list, and bindings are never deleted on their own here.
        tags = list(objs)
        bindings = TagBinding.objects.filter(tag__in=tags).count()
        counts = {"tags": len(tags), "tag bindings": bindings}
        return [str(tag) for tag in tags], counts, set(), []

    def delete_model(self, request: HttpRequest, obj: Tag) -> None:
        services.tag_delete(tag=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Tag]) -> None:
        for tag in queryset:
            services.tag_delete(tag=tag)


@admin.register(TagBinding)
class TagBindingAdmin(admin.ModelAdmin):
    list_display = ("id", "tag", "biz", "biz_id", "created_at")
    list_filter = ("biz",)
    list_select_related = ("tag",)
    search_fields = ("=biz_id", "tag__name")
    show_full_result_count = False
    ordering = ("-id",)
    fields = ("tag", "biz", "biz_id", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # bindings change with their resource, through the services
