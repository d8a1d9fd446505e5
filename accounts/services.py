"""Writes and workflows of accounts: registration, token login, provider staff links."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from accounts.models import User
from core.exceptions import InvalidInput, NotFound, ServiceError
from directory.models import Provider, ProviderStaff

logger = logging.getLogger(__name__)


class EmailTaken(InvalidInput):
    default_code = "email_taken"
    default_detail = "An account with that email address already exists. Log in instead."


class WeakPassword(InvalidInput):
    default_code = "weak_password"
    default_detail = "Please choose a stronger password."


class InvalidCredentials(ServiceError):
    status_code = 400
    default_code = "invalid_credentials"
    default_detail = "The email address or password is not correct."


class TooManyAttempts(ServiceError):
    status_code = 429
    default_code = "too_many_attempts"
    default_detail = (
        "Too many failed logins for this account. Wait 15 minutes, or reset your password."
    )


class ProviderNotFound(NotFound):
    default_code = "provider_not_found"
    default_detail = "No provider with that slug."


def _email_normalize(email: str) -> str:
    return email.strip().lower()


def _password_check(*, password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise WeakPassword(
            " ".join(exc.messages), errors={"password": list(exc.messages)}
        ) from None


def user_register(*, email: str, password: str, full_name: str) -> tuple[User, str]:
    """Create a patient account and its API token; returns ``(user, token_key)``.

    The email is compared case-insensitively (``Bob@X.test`` and ``bob@x.test`` are one
    account). Raises ``EmailTaken`` or ``WeakPassword`` (with Django's validators' reasons
    in ``errors["password"]``); nothing is created then.
    """
    email = _email_normalize(email)
    full_name = full_name.strip()
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(errors={"email": [EmailTaken.default_detail]})
    # Validated against an unsaved user so the similarity validator sees email and name.
    _password_check(password=password, user=User(email=email, full_name=full_name))
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, full_name=full_name)
            token = Token.objects.create(user=user)
    except IntegrityError:
        # Lost a race with a simultaneous registration of the same address.
        raise EmailTaken(errors={"email": [EmailTaken.default_detail]}) from None
    logger.info("user registered id=%s", user.pk)
    return user, token.key


#: Failed logins of one email address before it is locked for LOCKOUT_SECONDS.
LOCKOUT_ATTEMPTS = 10
LOCKOUT_SECONDS = 15 * 60


def _failures_key(email: str) -> str:
    # Hashed: cache keys end up in logs and monitoring, email addresses must not.
    return "accounts:login-failures:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def login_locked(*, email: str) -> bool:
    """Whether logins to ``email`` are refused for now (never with RATE_LIMITS off)."""
    if not settings.RATE_LIMITS:
        return False
    return cache.get(_failures_key(_email_normalize(email)), 0) >= LOCKOUT_ATTEMPTS


def login_failure_record(*, email: str) -> None:
    """Count a failed login of ``email`` (the count expires LOCKOUT_SECONDS after the first)."""
    if not settings.RATE_LIMITS:
        return
    key = _failures_key(_email_normalize(email))
    cache.add(key, 0, timeout=LOCKOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=LOCKOUT_SECONDS)


def login_failures_clear(*, email: str) -> None:
    """Forget the failed logins of ``email`` (after a successful login)."""
    cache.delete(_failures_key(_email_normalize(email)))


def user_token_obtain(*, email: str, password: str) -> tuple[User, str]:
    """Check the credentials and return ``(user, token_key)``, creating the token once.

    Raises ``InvalidCredentials`` for an unknown email, a wrong password or an inactive
    account alike, so the answer does not reveal which accounts exist, and
    ``TooManyAttempts`` (429) after ``LOCKOUT_ATTEMPTS`` failures for one address.
    """
    email = _email_normalize(email)
    if login_locked(email=email):
        raise TooManyAttempts()
    user = authenticate(username=email, password=password)
    if user is None:
        login_failure_record(email=email)
        raise InvalidCredentials()
    login_failures_clear(email=email)
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key


@dataclass(frozen=True)
class StaffLinkResult:
    staff: ProviderStaff
    user_created: bool
    link_created: bool
    previous_provider_id: int | None


def provider_staff_link(
    *,
    email: str,
    provider_slug: str,
    role: str = ProviderStaff.Role.MANAGER,
    password: str | None = None,
    full_name: str = "",
) -> StaffLinkResult:
    """Make the user with ``email`` staff of the provider ``provider_slug``.

    Creates the user when missing (with ``password``, or an unusable one until they reset
    it), and creates or moves their staff link (a user works for one provider). A password
    given for an existing user replaces theirs. Raises ``ProviderNotFound`` for an unknown
    slug, ``InvalidInput`` for an unknown role and ``WeakPassword``.
    """
    if role not in ProviderStaff.Role.values:
        raise InvalidInput(
            f"Unknown role {role!r}. Use one of: {', '.join(ProviderStaff.Role.values)}.",
            code="invalid_role",
            errors={"role": [f"Use one of: {', '.join(ProviderStaff.Role.values)}."]},
        )
    email = _email_normalize(email)
    with transaction.atomic():
        provider = Provider.objects.filter(slug=provider_slug).first()
        if provider is None:
            raise ProviderNotFound(f"No provider with the slug {provider_slug!r}.")
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        user_created = user is None
        if user is None:
            user = User(email=email, full_name=full_name)
        if password is not None:
            _password_check(password=password, user=user)
            user.set_password(password)
        elif user_created:
            user.set_unusable_password()
        if full_name and not user.full_name:
            user.full_name = full_name
        user.save()
        Token.objects.get_or_create(user=user)

        staff = ProviderStaff.objects.filter(user=user).first()
        previous_provider_id = staff.provider_id if staff else None
        link_created = staff is None
        if staff is None:
            staff = ProviderStaff.objects.create(user=user, provider=provider, role=role)
        else:
            staff.provider = provider
            staff.role = role
            staff.save(update_fields=["provider", "role"])
    logger.info(
        "provider staff linked user=%s provider=%s created=%s", user.pk, provider.pk, user_created
    )
    return StaffLinkResult(
        staff=staff,
        user_created=user_created,
        link_created=link_created,
        previous_provider_id=previous_provider_id,
    )
