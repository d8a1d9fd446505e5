"""The optional pre-screening a patient fills in when booking, and the flags it raises.

Everything here is health information: it is stored on the appointment, shown only to the
patient and the provider's staff, and never logged (not even in error messages: validation
messages name the field, never echo the answer).

Flags are *topics for the clinic to discuss*, not a diagnosis or a refusal: ketamine is
commonly contraindicated or used with extra care with a history of psychosis, uncontrolled
high blood pressure and pregnancy, and stimulant use raises blood pressure further.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

YES, NO, UNSURE = "yes", "no", "unsure"
YES_NO_UNSURE = ((YES, "Yes"), (NO, "No"), (UNSURE, "Not sure"))
PREGNANCY_CHOICES = (*YES_NO_UNSURE, ("not_applicable", "Not applicable"))

SUBSTANCES = (
    ("opioid", "Opioids"),
    ("alcohol", "Alcohol"),
    ("cocaine", "Cocaine"),
    ("methamphetamine", "Methamphetamine or other stimulants"),
    ("cannabis", "Cannabis"),
    ("benzodiazepine", "Benzodiazepines"),
    ("nicotine", "Nicotine"),
    ("other", "Something else"),
)
STIMULANTS = frozenset({"cocaine", "methamphetamine"})

REASON_MAX_LENGTH = 2000

#: flag code -> the topic shown to the patient and the clinic.
FLAG_TOPICS: dict[str, str] = {
    "psychosis_history": "History of psychosis",
    "uncontrolled_hypertension": "High blood pressure that is not under control",
    "pregnancy": "Pregnancy",
    "stimulant_use": "Current stimulant use",
}
#: What the patient is told about any flag. Deliberately not a diagnosis or a refusal.
PATIENT_FLAG_MESSAGE = (
    "The clinic will discuss this with you before your visit. It is not a diagnosis and does "
    "not cancel your booking."
)


class IntakeSerializer(serializers.Serializer):
    """Structured pre-screening; every question is optional, unknown keys are refused."""

    current_substances = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSTANCES),
        required=False,
        max_length=len(SUBSTANCES),
        help_text="Substances used currently.",
    )
    current_medications = serializers.ListField(
        child=serializers.CharField(max_length=100, trim_whitespace=True),
        required=False,
        max_length=30,
        help_text="Names of current prescription or over-the-counter medications.",
    )
    pregnant = serializers.ChoiceField(choices=PREGNANCY_CHOICES, required=False)
    psychosis_history = serializers.ChoiceField(
        choices=YES_NO_UNSURE,
        required=False,
        help_text="Ever diagnosed with or treated for psychosis (e.g. schizophrenia).",
    )
    uncontrolled_high_blood_pressure = serializers.ChoiceField(
        choices=YES_NO_UNSURE, required=False
    )
    prior_ketamine_treatment = serializers.ChoiceField(choices=YES_NO_UNSURE, required=False)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = sorted(str(k)[:50] for k in data if k not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {key: ["This question is not part of the intake."] for key in unknown}
                )
        value = super().to_internal_value(data)
        # Stored in a stable shape: duplicates removed, order kept.
        for key in ("current_substances", "current_medications"):
            if key in value:
                value[key] = list(dict.fromkeys(item for item in value[key] if item))
        return value


def intake_flags(intake: dict[str, Any]) -> list[str]:
    """Flag codes (keys of FLAG_TOPICS) the answers raise, in a fixed order."""
    flags: list[str] = []
    if intake.get("psychosis_history") in (YES, UNSURE):
        flags.append("psychosis_history")
    if intake.get("uncontrolled_high_blood_pressure") in (YES, UNSURE):
        flags.append("uncontrolled_hypertension")
    if intake.get("pregnant") in (YES, UNSURE):
        flags.append("pregnancy")
    if STIMULANTS.intersection(intake.get("current_substances") or ()):
        flags.append("stimulant_use")
    return flags


def flags_for_display(codes: list[str]) -> list[dict[str, str]]:
    """Flags as the API shows them: code, topic and the reassuring patient message."""
    return [
        {"code": code, "topic": FLAG_TOPICS.get(code, code), "message": PATIENT_FLAG_MESSAGE}
        for code in codes
    ]
