"""Give a person access to the admin as a researcher or an editor."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from .curation_groups import EDITORS, RESEARCHERS, sync_curation_groups


class Command(BaseCommand):
    help = (
        "Make a user a researcher (drafts records) or an editor (also publishes, deletes, "
        "imports and restores): staff status and the matching group. A new user gets no "
        "password; set one with `manage.py changepassword USERNAME`."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        role = parser.add_mutually_exclusive_group(required=True)
        role.add_argument("--researcher", action="store_true", help="can draft, not publish")
        role.add_argument("--editor", action="store_true", help="can also publish and delete")
        parser.add_argument("--email", default="", help="for a new user")

    @transaction.atomic
    def handle(self, username, researcher, editor, email, **options):
        if Group.objects.filter(name__in=[RESEARCHERS, EDITORS]).count() != 2:
            sync_curation_groups()
        joining, leaving = (EDITORS, RESEARCHERS) if editor else (RESEARCHERS, EDITORS)
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": email, "is_staff": True}
        )
        if created:
            user.set_unusable_password()
        elif not user.is_active:
            raise CommandError(f"{username} is deactivated; reactivate the account first.")
        user.is_staff = True
        user.save()
        user.groups.remove(Group.objects.get(name=leaving))
        user.groups.add(Group.objects.get(name=joining))
        self.stdout.write(f"{username} is now in {joining}.")
        if created:
            self.stdout.write(f"Set a password with: python manage.py changepassword {username}")
