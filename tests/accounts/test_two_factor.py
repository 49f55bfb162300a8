"""TOTP two-factor: required for lawyers and admins, enrolment with an inline QR code, verification
after the password, backup codes, the OTP-protected admin site and API sessions."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:otp-verify")
SETUP = reverse("accounts:otp-setup")
HOME = reverse("cases:home")


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def password_login(client: Client, username: str, next_url: str = "") -> None:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(LOGIN, data)
    assert response.status_code == 302


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.mark.parametrize("role", ["lawyer", "admin"])
def test_lawyers_and_admins_without_a_device_are_sent_to_enrol_after_the_password(client, role_users, role):
    password_login(client, role_users[role].username)

    response = client.get(reverse("cases:lawsuit-list"))

    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Flawsuits%2F"
    assert client.get(HOME).status_code == 302  # nothing staff-side before the second factor


@pytest.mark.parametrize("role", ["analyst", "executive"])
def test_analysts_and_executives_need_only_the_password(client, role_users, role):
    password_login(client, role_users[role].username)

    assert client.get(HOME).status_code == 200


def test_enrolment_shows_an_inline_svg_qr_code_and_confirms_with_the_first_code(client, lawyer):
    password_login(client, "lawyer")

    page = client.get(SETUP)
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=lawyer, confirmed=False)
    assert page.status_code == 200
    assert "<svg" in html and "<?xml" not in html and '<img src="http' not in html
    assert re.search(r'<div class="qr-code"[^>]*>\s*<svg', html)
    assert "otpauth" not in html  # the secret travels only inside the QR code and the key text

    response = client.post(SETUP, {"token": code_for(device), "next": "/lawsuits/"})

    device.refresh_from_db()
    assert response.status_code == 200 and device.confirmed
    codes = response.context["codes"]
    assert len(codes) == 10 and all(re.fullmatch(r"\d{8}", c) for c in codes)
    assert set(StaticToken.objects.filter(device__user=lawyer).values_list("token", flat=True)) == set(codes)
    assert client.get("/lawsuits/").status_code == 200  # the session is verified now


def test_a_wrong_enrolment_code_confirms_nothing(client, lawyer):
    password_login(client, "lawyer")
    client.get(SETUP)

    response = client.post(SETUP, {"token": "000000"})

    assert response.status_code == 400
    assert response.context["form"].errors["token"]
    assert not TOTPDevice.objects.filter(user=lawyer, confirmed=True).exists()
    assert client.get(HOME).status_code == 302


def test_an_enrolled_lawyer_verifies_with_a_totp_code_and_goes_on_to_next(client, lawyer):
    device = enrolled(lawyer)
    password_login(client, "lawyer", next_url="/lawsuits/")
    assert client.get("/lawsuits/")["Location"] == f"{VERIFY}?next=%2Flawsuits%2F"

    response = client.post(VERIFY, {"token": code_for(device), "next": "/lawsuits/"})

    assert response.status_code == 302 and response["Location"] == "/lawsuits/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(HOME).status_code == 200


def test_verification_gives_the_session_a_new_key(client, lawyer):
    device = enrolled(lawyer)
    password_login(client, "lawyer")
    before = client.session.session_key

    client.post(VERIFY, {"token": code_for(device)})

    assert client.session.session_key != before
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_the_admin_never_shows_a_device_secret(admin_client_, lawyer):
    device = enrolled(lawyer)

    response = admin_client_.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert response.status_code == 200
    assert device.key not in response.content.decode()


def test_a_wrong_code_is_refused_and_the_device_throttles(client, lawyer):
    device = enrolled(lawyer)
    password_login(client, "lawyer")

    response = client.post(VERIFY, {"token": "123456"})

    assert response.status_code == 400
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Even the right code waits out the throttle (django-otp doubles the delay each time).
    assert client.post(VERIFY, {"token": code_for(device)}).status_code == 400
    assert client.get(HOME).status_code == 302


def test_a_backup_code_works_once(client, lawyer):
    enrolled(lawyer)
    codes = two_factor.regenerate_backup_codes(lawyer)
    password_login(client, "lawyer")

    assert client.post(VERIFY, {"token": codes[0]}).status_code == 302
    assert client.get(HOME).status_code == 200

    other = Client()
    password_login(other, "lawyer")
    assert other.post(VERIFY, {"token": codes[0]}).status_code == 400  # used up
    assert StaticToken.objects.filter(device__user=lawyer).count() == 9


def test_the_next_after_verification_never_leaves_the_site(client, lawyer):
    device = enrolled(lawyer)
    password_login(client, "lawyer")

    response = client.post(VERIFY, {"token": code_for(device), "next": "https://evil.example/"})

    assert response["Location"] == HOME


def test_an_unverified_session_does_not_reach_the_admin_site(client, lawyer):
    enrolled(lawyer)
    password_login(client, "lawyer")

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(VERIFY)
    assert response.status_code == 200 and response.templates[0].name == "accounts/otp_verify.html"


def test_the_admin_login_page_is_the_staff_login(client):
    response = client.get(reverse("admin:login"))

    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_verified_admin_reaches_the_admin_site(admin_client_):
    assert admin_client_.get("/admin/").status_code == 200


def test_an_analyst_signed_in_is_refused_the_admin_without_a_second_login_form(analyst_client):
    response = analyst_client.get(reverse("admin:login"))

    assert response.status_code == 403


def test_an_unverified_session_gets_nothing_from_the_api(client, lawyer):
    client.force_login_password_only(lawyer)

    response = client.get("/api/v1/lawsuits/")

    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_a_verified_session_reads_the_api(lawyer_client):
    assert lawyer_client.get("/api/v1/lawsuits/").status_code == 200


def test_a_verified_user_may_renew_backup_codes(lawyer_client, lawyer):
    response = lawyer_client.post(reverse("accounts:otp-backup-codes"))

    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert StaticToken.objects.filter(device__user=lawyer).count() == 10


def test_a_confirmed_device_is_not_replaced_without_the_current_factor(client, lawyer):
    enrolled(lawyer)
    client.force_login_password_only(lawyer)

    response = client.get(SETUP)

    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_the_qr_code_holds_the_issuer_and_the_secret(lawyer):
    device = two_factor.pending_totp_device(lawyer)

    assert device.config_url.startswith("otpauth://totp/LegalCases%3Alawyer?secret=")
    assert two_factor.qr_code_svg(device).startswith("<svg")
    assert two_factor.pending_totp_device(lawyer) == device  # reloading the page keeps the secret


def test_an_administrator_resets_a_lost_second_factor_in_the_admin(admin_client_, lawyer, client):
    device = enrolled(lawyer)
    two_factor.regenerate_backup_codes(lawyer)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])

    backup = StaticDevice.objects.get(user=lawyer)

    response = admin_client_.post(url, {"post": "yes"})
    admin_client_.post(reverse("admin:otp_static_staticdevice_delete", args=[backup.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not StaticDevice.objects.filter(user=lawyer).exists()
    password_login(client, "lawyer")
    assert client.get(HOME)["Location"].startswith(SETUP)  # enrols again at the next login


def test_lawyers_cannot_see_or_reset_anyones_devices_in_the_admin(lawyer_client, admin_user):
    device = enrolled(admin_user)

    assert lawyer_client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 403
    assert (
        lawyer_client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_roles_without_a_second_factor_do_not_enrol_one(analyst_client, analyst):
    response = analyst_client.get(SETUP)

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=analyst).exists()
    assert "2fa" not in analyst_client.get(reverse("accounts:password-change")).content.decode()


def test_lawyers_find_their_second_factor_from_the_password_page(lawyer_client):
    html = lawyer_client.get(reverse("accounts:password-change")).content.decode()

    assert reverse("accounts:otp-backup-codes") in html


def test_public_pages_stay_open_to_a_lawyer_between_password_and_code(client, lawyer):
    enrolled(lawyer)
    password_login(client, "lawyer")

    assert client.get(reverse("cases:public-home")).status_code == 200
