from __future__ import annotations

from rest_framework import serializers

from apps.moderation.models import Report, ReportReason, TargetType

BIGINT_MAX = 2**63 - 1
NOTE_MAX_LENGTH = 2000


class ReportCreateInputSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=TargetType.choices)
    target_id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default=""
    )


class ReportOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "target_type", "target_id", "reason", "note", "status", "created_at"]
        read_only_fields = fields
