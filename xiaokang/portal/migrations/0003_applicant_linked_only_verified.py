"""U11: an applicant account is linked to a registry person only once verified (its own migration, after
0002 unlinked the accounts linked on name and ID number alone)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_phone_or_office_verification")]

    operations = [
        migrations.AddConstraint(
            model_name="applicantaccount",
            constraint=models.CheckConstraint(
                condition=models.Q(person__isnull=True) | models.Q(verified_at__isnull=False),
                name="applicant_linked_only_verified",
            ),
        ),
    ]
