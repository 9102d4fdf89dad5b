"""English or French, by the user's choice; the compiled catalogue is committed and up to date."""

import gettext
import re
from pathlib import Path

from django.urls import reverse

from procedures.timeline import record_event
from tests.ward.conftest import MIN, NOW

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES"


def choose_french(client) -> None:
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302


def test_the_board_speaks_french_once_chosen(logged_in, procedure, nurse_a):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 30 * MIN, by=nurse_a)
    assert "Board of Ward A" in logged_in.get("/").content.decode()

    choose_french(logged_in)
    page = logged_in.get("/").content.decode()

    assert '<html lang="fr">' in page
    assert "Tableau de Ward A (spine)" in page
    assert "Vertébroplastie" in page
    assert "En retard" in page
    assert "prévu à 13:40" in page
    assert "lever possible à 11 fév. 01:30" in page  # no "Jui" for June and July
    assert '"in": "dans %(duration)s"' in page  # the words the countdown script writes


def test_the_domain_s_refusals_are_french_too(logged_in, procedure):
    choose_french(logged_in)

    response = logged_in.post(reverse("ward:record_event", args=[procedure.pk]), {"kind": "ended", "when": "now"})

    assert response.status_code == 400
    assert response.context["form"].errors["kind"] == [
        "Enregistrez « ciment injecté » avant « fin de l’intervention »."
    ]


def test_the_observation_check_asks_in_french(logged_in, procedure, nurse_a):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 30 * MIN, by=nurse_a)
    check = procedure.milestones.filter(step__records="observations").order_by("due_at").first()
    choose_french(logged_in)

    page = logged_in.get(reverse("ward:complete", args=[check.pk])).content.decode()

    for words in ["PA systolique (mmHg)", "Force des jambes", "Comme avant", "Point de ponction", "Propre et sec"]:
        assert words in page


def test_the_log_in_page_offers_the_switch_and_keeps_django_s_field_names(client, db):
    choose_french(client)

    page = client.get("/accounts/login/").content.decode()

    assert "Se connecter" in page
    assert 'name="username"' in page
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in page


def po_entries() -> dict[str, str]:
    """msgid → msgstr of the French .po (plural forms by their singular), read without gettext tools."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n")[1:]:
        fields, current = {}, None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if match := re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[0\])?|msgstr\[\d\]) (\".*\")$", line):
                current = match.group(1)
                fields[current] = match.group(2)[1:-1]
            else:
                fields[current] += line[1:-1]
        context = fields.get("msgctxt")
        key = f"{context}\x04{fields['msgid']}" if context else fields["msgid"]
        entries[key.replace('\\"', '"')] = fields.get("msgstr", fields.get("msgstr[0]")).replace('\\"', '"')
    return entries


def test_every_message_is_translated_and_the_committed_mo_matches_the_po():
    entries = po_entries()
    with (LOCALE / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog

    assert len(entries) > 100
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    # Plural forms are keyed (msgid, n) in the catalogue; compare the first form, as read above.
    compiled = {(key[0] if isinstance(key, tuple) else key): value for key, value in catalogue.items() if key}
    compiled |= {key[0]: value for key, value in catalogue.items() if isinstance(key, tuple) and key[1] == 0}
    assert {msgid: compiled.get(msgid) for msgid in entries} == entries
