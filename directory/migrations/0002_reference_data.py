"""Reference tables patients filter by. Descriptions are plain language, not medical advice."""

from django.db import migrations

ROUTES = [
    (
        "iv-infusion",
        "IV infusion",
        "Ketamine is given slowly through a small tube in a vein, usually over about 40 minutes, "
        "while staff watch your heart rate and blood pressure. Clinics often offer a series of "
        "sessions over a few weeks, ideally with therapy before and after.",
        False,
    ),
    (
        "im-injection",
        "IM injection",
        "Ketamine is given as a shot into a muscle in the clinic. It takes effect within minutes "
        "and the session is usually shorter than an infusion. You are monitored until you can "
        "safely go home with someone who drives you.",
        False,
    ),
    (
        "intranasal-esketamine",
        "Intranasal esketamine",
        "A nasal spray (esketamine) that you take yourself under supervision at a certified "
        "clinic. Because of a federal safety program (REMS), it is only given in certified "
        "settings and you stay for at least two hours afterwards to be monitored.",
        True,
    ),
    (
        "sublingual-oral",
        "Sublingual / oral",
        "Ketamine taken by mouth as a lozenge or tablet that dissolves under the tongue. Some "
        "programs start it in the clinic and later continue with supervised sessions. Its effect "
        "is milder and slower than an infusion.",
        False,
    ),
]

SPECIALTIES = [
    ("opioid", "Opioid use", "Heroin, fentanyl, prescription painkillers and other opioids."),
    ("alcohol", "Alcohol use", "Drinking that has become hard to control or stop."),
    ("cocaine", "Cocaine use", "Cocaine and crack cocaine."),
    ("nicotine", "Nicotine use", "Cigarettes, vaping and other nicotine products."),
    ("methamphetamine", "Methamphetamine use", "Meth and other stimulants like it."),
    ("cannabis", "Cannabis use", "Marijuana and other cannabis products."),
    (
        "benzodiazepine",
        "Benzodiazepine use",
        "Sedatives such as alprazolam (Xanax), diazepam (Valium) or clonazepam (Klonopin).",
    ),
    ("gambling", "Gambling", "Gambling that causes harm, often alongside substance use."),
]

INSURANCE = [
    ("self-pay", "Self-pay (cash)", "self_pay"),
    ("medicare", "Medicare", "medicare"),
    ("medicaid", "Medicaid", "medicaid"),
    ("aetna", "Aetna", "commercial"),
    ("anthem", "Anthem", "commercial"),
    ("blue-cross-blue-shield", "Blue Cross Blue Shield", "commercial"),
    ("cigna", "Cigna", "commercial"),
    ("humana", "Humana", "commercial"),
    ("kaiser-permanente", "Kaiser Permanente", "commercial"),
    ("unitedhealthcare", "UnitedHealthcare", "commercial"),
    ("optum", "Optum", "commercial"),
    ("tricare", "TRICARE", "military"),
    ("va-community-care", "VA Community Care", "military"),
]

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("zh", "Chinese"),
    ("vi", "Vietnamese"),
    ("tl", "Tagalog"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("pt", "Portuguese"),
    ("ht", "Haitian Creole"),
    ("de", "German"),
    ("asl", "American Sign Language"),
]


def load(apps, schema_editor):
    Route = apps.get_model("directory", "AdministrationRoute")
    Specialty = apps.get_model("directory", "AddictionSpecialty")
    Insurance = apps.get_model("directory", "InsurancePlan")
    Language = apps.get_model("directory", "Language")
    for order, (slug, name, description, rems) in enumerate(ROUTES):
        Route.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "requires_rems": rems,
                "sort_order": order,
            },
        )
    for order, (slug, name, description) in enumerate(SPECIALTIES):
        Specialty.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "sort_order": order}
        )
    for order, (slug, name, kind) in enumerate(INSURANCE):
        Insurance.objects.update_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "sort_order": order}
        )
    for order, (slug, name) in enumerate(LANGUAGES):
        Language.objects.update_or_create(slug=slug, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
