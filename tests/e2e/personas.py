"""
People who log in through the browser: real passwords the served app can check,
and TOTP codes computed the way an authenticator app does.
"""

import time
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from conference.core.models import Role
from tests.factories import (
    TEST_PASSWORD,
    ConferenceRoleFactory,
    OrganisationFactory,
    RegistrationFactory,
    UserFactory,
    totp_activate,
)

TOTP_PERIOD = 30


_password_hashes = {}


def password_hash(password=TEST_PASSWORD):
    """
    `password` hashed as the served app hashes (Django's default, full
    iterations), computed once: the served app checks it without rehashing.
    """
    if password not in _password_hashes:
        hasher = PBKDF2PasswordHasher()
        _password_hashes[password] = hasher.encode(password, hasher.salt())
    return _password_hashes[password]


def user(**fields):
    """A user whose password (TEST_PASSWORD) the served app accepts at once."""
    person = UserFactory(**fields)
    person.password = password_hash()
    person.save(update_fields=["password"])
    return person


@dataclass
class Persona:
    email: str
    password: str
    user: object
    totp_secret: str | None = None
    registration: object = None


def staff(conference, role, *, email=None, mfa=None):
    """A staff member of `conference`; organisers and security officers get TOTP."""
    person = user(**({"email": email} if email else {}))
    ConferenceRoleFactory(conference=conference, user=person, role=role)
    if mfa is None:
        mfa = role in (Role.ORGANISER, Role.SECURITY)
    secret = totp_activate(person) if mfa else None
    return Persona(email=person.email, password=TEST_PASSWORD, user=person, totp_secret=secret)


def delegate(conference, *, email=None, organisation=None, kind=None, **registration):
    """A delegate with an approved registration at `conference`."""
    if organisation is None:
        organisation = OrganisationFactory(**({"kind": kind} if kind else {}))
    person = user(**({"email": email} if email else {}))
    reg = RegistrationFactory(
        conference=conference,
        user=person,
        organisation=organisation,
        approved=True,
        **registration,
    )
    return Persona(email=person.email, password=TEST_PASSWORD, user=person, registration=reg)


def totp_secret_of(email):
    """The stored TOTP secret of the user with `email`, or None."""
    authenticator = Authenticator.objects.filter(
        user__email__iexact=email, type=Authenticator.Type.TOTP
    ).first()
    return decrypt(authenticator.data["secret"]) if authenticator else None


_used_codes = set()
# allauth accepts only the current period's code (MFA_TOTP_TOLERANCE is 0):
# a code this close to the end of its period might expire before it arrives.
TOTP_MARGIN = 10


def totp_code(secret):
    """
    The current code for `secret`, as an authenticator app shows it. A code
    about to expire, or already used (allauth accepts each code once), is
    skipped: this waits for the next period.
    """
    while True:
        now = time.time()
        counter = int(now) // TOTP_PERIOD
        left = (counter + 1) * TOTP_PERIOD - now
        if left > TOTP_MARGIN and (secret, counter) not in _used_codes:
            break
        time.sleep(left + 0.2)
    _used_codes.add((secret, counter))
    return format_hotp_value(hotp_value(secret, counter))
