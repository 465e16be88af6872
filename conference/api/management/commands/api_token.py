"""`manage.py api_token --conference bcmec --name NAME --scopes a,b`: print a new token."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from conference.api.scopes import GRANTED_BY, Scope
from conference.api.tokens import token_create
from conference.core.models import Conference, ConferenceRole


class Command(BaseCommand):
    help = (
        "Create an API token for a conference and print it (once). The token acts for "
        "a staff member of the conference who holds the roles its scopes need."
    )

    def add_arguments(self, parser):
        parser.add_argument("--conference", required=True, help="the conference's slug")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument(
            "--scopes",
            required=True,
            help="comma-separated: " + ", ".join(Scope.values),
        )
        parser.add_argument(
            "--user",
            help="the staff member's email (default: the first one whose roles allow the scopes)",
        )
        parser.add_argument("--expires-days", type=int, help="expire after this many days")

    def handle(self, *args, **options):
        try:
            conference = Conference.objects.get(slug=options["conference"])
        except Conference.DoesNotExist as exc:
            raise CommandError(f"No conference with slug {options['conference']!r}.") from exc
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        unknown = sorted(set(scopes) - set(Scope.values))
        if unknown:
            raise CommandError(f"Unknown scopes: {', '.join(unknown)}.")
        roles_by_user = {}
        staff = ConferenceRole.objects.filter(conference=conference).select_related("user")
        if options["user"]:
            staff = staff.filter(user__email__iexact=options["user"])
        for role in staff.order_by("pk"):
            roles_by_user.setdefault(role.user, set()).add(role.role)
        needed = [GRANTED_BY[Scope(s)] for s in scopes]
        actor = next(
            (
                user
                for user, roles in roles_by_user.items()
                if user.is_active and all(granting & roles for granting in needed)
            ),
            None,
        )
        if actor is None:
            raise CommandError(
                "No active staff member of this conference holds the roles these scopes need."
            )
        expires_at = None
        if options["expires_days"]:
            expires_at = timezone.now() + timedelta(days=options["expires_days"])
        try:
            _, secret = token_create(
                conference=conference,
                actor=actor,
                roles=roles_by_user[actor],
                name=options["name"],
                scopes=scopes,
                expires_at=expires_at,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(secret)
