"""surat-web and issue 11 (items 1, 6 and 8) without a browser: the letter's clerk gets a withdraw
form and withdrawing through it stops the letter; a user who may not read a Sangat Rahasia letter's
content still gets its page (the journey), with the content shown as closed, not an error; a signer
an admin registered makes their own key on /kunci."""
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import grpc
import pytest

from test_web_browser import INITIAL, WebCluster, set_up_office
from test_e2e_gateway import Office

NEW_PASSWORD = "Kantor-Tarik-2026-Sooko"


@pytest.fixture(scope="module")
def web(tmp_path_factory, protos):
    cluster = WebCluster(tmp_path_factory.mktemp("web-withdraw"))
    try:
        office = Office(cluster, protos)
        set_up_office(cluster, office)
        g = office.g
        office.admin.CreateUser(g.CreateUserRequest(user_id="eko", name="Eko Seksi Kesra", role="drafter"), metadata=office.md("admin"))
        office.admin.SetPassword(g.SetPasswordRequest(user_id="eko", password="Mulai-Enam-2026"), metadata=office.md("admin"))
        office.admin.CreateUser(g.CreateUserRequest(user_id="wakil", name="Wakil Camat", role="camat", nip="197501012000031002"),
                                metadata=office.md("admin"))
        office.admin.SetPassword(g.SetPasswordRequest(user_id="wakil", password="Mulai-Tujuh-2026"), metadata=office.md("admin"))
        # The admin-set password must be changed before the web app opens; do that over the API.
        for user, initial in [("ani", INITIAL["ani"]), ("eko", "Mulai-Enam-2026"), ("wakil", "Mulai-Tujuh-2026"),
                              ("admin", INITIAL["admin"])]:
            token = office.gateway.SignIn(g.SignInRequest(user_id=user, password=initial, client="test")).token
            office.gateway.ChangePassword(g.ChangePasswordRequest(current_password=initial, new_password=NEW_PASSWORD),
                                          metadata=[("authorization", f"Bearer {token}")])
    except BaseException:
        cluster.close()
        raise
    yield cluster, office
    office.channel.close()
    cluster.close()


class WebUser:
    """A signed-in web session through plain HTTP (cookies kept, redirects followed)."""

    def __init__(self, base, user):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.get("/masuk")
        self.post("/masuk", {"csrf": self.csrf(page), "user_id": user, "password": NEW_PASSWORD})

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            assert response.status == 200, response.status
            return response.read().decode()

    def post(self, path, fields):
        data = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=30) as response:
                return response.read().decode()
        except urllib.error.HTTPError as error:     # a refused form comes back as its page with a 4xx status
            return error.read().decode()

    @staticmethod
    def csrf(page):
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def secret_letter(office):
    L = office.letter
    letter_id = office.open("Laporan pemeriksaan khusus").letter_id
    office.assign(letter_id)
    content = office.content("Laporan pemeriksaan khusus")
    content.sifat = L.SIFAT_SANGAT_RAHASIA
    office.gateway.CreateDraft(office.g.CreateDraftRequest(request_id="web-secret", letter_id=letter_id, content=content),
                               metadata=office.md("dedi"))
    return letter_id


def test_clerk_withdraws_through_the_web_and_content_stays_closed_to_others(web):
    cluster, office = web
    g = office.g
    letter_id = secret_letter(office)
    ani = WebUser(cluster.base, "ani")
    page = ani.get(f"/surat/{letter_id}")
    assert f'action="/surat/{letter_id}/tarik"' in page and "Laporan pemeriksaan khusus" in page
    # Another drafter: the page opens (the journey), the content is closed, no withdraw form.
    eko = WebUser(cluster.base, "eko")
    page = eko.get(f"/surat/{letter_id}")
    assert 'id="isi-tertutup"' in page and "Dengan hormat" not in page
    assert "/tarik" not in page
    # The clerk withdraws with a reason.
    page = ani.get(f"/surat/{letter_id}")
    request_id = re.search(r'name="request_id" value="([^"]+)"[^>]*>\s*<label for="withdraw_reason"', page).group(1)
    ani.post(f"/surat/{letter_id}/tarik", {"csrf": ani.csrf(page), "request_id": request_id, "reason": "Pemeriksaan dibatalkan"})
    journey = office.journey(letter_id)
    assert journey.state == g.JOURNEY_STATE_WITHDRAWN and journey.withdrawal.reason == "Pemeriksaan dibatalkan"
    page = ani.get(f"/surat/{letter_id}")
    assert 'id="ditarik"' in page and "Pemeriksaan dibatalkan" in page and "/tarik\"" not in page


def test_signer_makes_their_own_key_on_the_web(web):
    cluster, office = web
    g = office.g
    office.admin.RegisterSigner(g.RegisterSignerRequest(request_id="web-signer-wakil", user_id="wakil", position="Camat Sooko"),
                                metadata=office.md("admin"))
    wakil = WebUser(cluster.base, "wakil")
    page = wakil.get("/kunci")
    assert 'href="/kunci"' in page and 'action="/kunci"' in page
    refused = wakil.post("/kunci", {"csrf": wakil.csrf(page), "passphrase": "frasa-wakil-sendiri",
                                    "confirm_passphrase": "frasa-lain"})
    assert "tidak sama" in refused
    listed = {s.signer_id: s for s in office.admin.ListSigners(g.ListSignersRequest(), metadata=office.md("admin")).signers}
    assert listed["wakil"].pending
    admin = WebUser(cluster.base, "admin")
    assert re.search(r"<td>wakil</td>.*?<td>menunggu penandatangan membuat kuncinya</td>", admin.get("/admin"))
    done = wakil.post("/kunci", {"csrf": wakil.csrf(page), "passphrase": "frasa-wakil-sendiri",
                                 "confirm_passphrase": "frasa-wakil-sendiri"})
    assert "sudah aktif" in done
    listed = {s.signer_id: s for s in office.admin.ListSigners(g.ListSignersRequest(), metadata=office.md("admin")).signers}
    assert not listed["wakil"].pending and listed["wakil"].key_id and listed["wakil"].key_id in done
    assert f"<td>{listed['wakil'].key_id}</td>" in admin.get("/admin")
    # A drafter is no signer: no link (and the gateway would refuse: no registration waits for them).
    assert 'href="/kunci"' not in WebUser(cluster.base, "eko").get("/")


def test_clerk_reassigns_the_drafter_through_the_web(web):
    cluster, office = web
    letter_id = office.open("Undangan musyawarah").letter_id
    office.assign(letter_id)
    office.draft(letter_id, subject="Undangan musyawarah")
    ani = WebUser(cluster.base, "ani")
    page = ani.get(f"/surat/{letter_id}")
    assert f'action="/surat/{letter_id}/alihkan"' in page
    request_id = re.search(r'name="request_id" value="([^"]+)"[^>]*>\s*<label for="reassign_role"', page).group(1)
    done = ani.post(f"/surat/{letter_id}/alihkan", {"csrf": ani.csrf(page), "request_id": request_id, "role": "drafter",
                                                    "to_user_id": "eko", "reason": "Dedi cuti"})
    assert "dialihkan" in done
    journey = office.journey(letter_id)
    assert journey.drafter.id == "eko" and [(r.role, r.previous.id, r.reason) for r in journey.reassignments] == [
        ("drafter", "dedi", "Dedi cuti")]
    # The page of another user offers no reassignment.
    assert "/alihkan" not in WebUser(cluster.base, "eko").get(f"/surat/{letter_id}")
