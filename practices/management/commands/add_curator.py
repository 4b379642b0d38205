"""Give a person access to the admin as a researcher or an editor."""

import os

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from .curation_groups import EDITORS, RESEARCHERS, sync_curation_groups


class Command(BaseCommand):
    help = (
        "Make a user a researcher (drafts records) or an editor (also publishes, deletes, "
        "imports and restores): staff status and the matching group. A new user gets no "
        "password unless --password-from-env gives one; else set one with "
        "`manage.py changepassword USERNAME`."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        role = parser.add_mutually_exclusive_group(required=True)
        role.add_argument("--researcher", action="store_true", help="can draft, not publish")
        role.add_argument("--editor", action="store_true", help="can also publish and delete")
        parser.add_argument("--email", default="", help="for a new user")
        parser.add_argument(
            "--password-from-env",
            nargs="?",
            const="CURATOR_PASSWORD",
            metavar="VARIABLE",
            help="set the password from this environment variable (default CURATOR_PASSWORD), "
            "without a prompt",
        )

    @transaction.atomic
    def handle(self, username, researcher, editor, email, password_from_env, **options):
        password = self.password(password_from_env)
        if Group.objects.filter(name__in=[RESEARCHERS, EDITORS]).count() != 2:
            sync_curation_groups()
        joining, leaving = (EDITORS, RESEARCHERS) if editor else (RESEARCHERS, EDITORS)
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": email, "is_staff": True}
        )
        if password is not None:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                raise CommandError(f"{password_from_env}: {' '.join(error.messages)}") from None
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        if not created and not user.is_active:
            raise CommandError(f"{username} is deactivated; reactivate the account first.")
        user.is_staff = True
        user.save()
        user.groups.remove(Group.objects.get(name=leaving))
        user.groups.add(Group.objects.get(name=joining))
        self.stdout.write(f"{username} is now in {joining}.")
        if password is not None:
            self.stdout.write(f"Password set from {password_from_env}.")
        elif created:
            self.stdout.write(f"Set a password with: python manage.py changepassword {username}")

    def password(self, variable):
        if variable is None:
            return None
        password = os.environ.get(variable)
        if not password:
            raise CommandError(f"The environment variable {variable} is not set or empty.")
        return password
