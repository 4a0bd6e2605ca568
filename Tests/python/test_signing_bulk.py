"""Signing at office scale, from outside: BulkSign on a real `surat-signing` and through the real
gateway and CLI, the bounded key-derivation queue under a burst, and the lockout counting a bulk
call once. Every signature of a bulk call is checked with the `cryptography` package against the
published keys and the envelope layout of proto-notes/signing.md (test_signing.verify_offline).
"""
import hashlib
import json
import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from conftest import ServiceProcess, free_port, swift_bin
from test_e2e_gateway import CAMAT_PASSPHRASE as OFFICE_PASSPHRASE, Cluster, Office
from test_signing import (ADMIN, CAMAT, CAMAT_PASSPHRASE, CLERK, SEKCAM, SEKCAM_PASSPHRASE, TOKEN, upload_request,
                          verify_offline)


def start_signing(data_dir, *extra):
    token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
    return ServiceProcess([
        swift_bin("surat-signing"), "--port", free_port(), "--data-directory", data_dir,
        "--service-tokens", f"pytest:{token_hash}", *extra,
    ], log_path=data_dir / "signing.log")


@pytest.fixture(scope="module")
def pb(protos):
    from surat.common.v1 import letter_pb2
    from surat.signing.v1 import signing_pb2, signing_pb2_grpc
    return letter_pb2, signing_pb2, signing_pb2_grpc


def register(stub, signing_pb2, signer_id, role, passphrase, position):
    stub.RegisterSigner(signing_pb2.RegisterSignerRequest(
        request_id=f"reg-{signer_id}", passphrase=passphrase,
        signer=signing_pb2.Signer(id=signer_id, name=f"Pejabat {signer_id}", nip="196801011990031001",
                                  position=position, role=role)), metadata=ADMIN)


def upload(stub, pb, letter_id):
    letter_pb2, signing_pb2, _ = pb
    req, _, digest = upload_request(letter_pb2, signing_pb2, letter_id, f"Surat {letter_id}")
    stub.UploadForSignature(req, metadata=CLERK)
    return digest


def test_bulk_sign_mixed_letters_retry_and_independent_verification(pb, tmp_path):
    letter_pb2, signing_pb2, signing_pb2_grpc = pb
    service = start_signing(tmp_path, "--scrypt-log2-n", "12")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            stub = signing_pb2_grpc.SigningStub(channel)
            register(stub, signing_pb2, "camat-1", "camat", CAMAT_PASSPHRASE, "Camat Sooko")
            register(stub, signing_pb2, "sekcam-1", "sekretaris", SEKCAM_PASSPHRASE, "Sekretaris Kecamatan Sooko")
            now = stub.ListPublicKeys(signing_pb2.ListPublicKeysRequest(), metadata=ADMIN).generated_at_unix_millis
            stub.CreateDelegation(signing_pb2.CreateDelegationRequest(
                request_id="dlg", from_signer_id="camat-1", to_signer_id="sekcam-1", kind=signing_pb2.DELEGATION_KIND_PLH,
                valid_until_unix_millis=now + 86_400_000), metadata=ADMIN)
            digests = {f"bulk-{n}": upload(stub, pb, f"bulk-{n}") for n in range(1, 7)}
            # One letter of the stack was already signed by another signer (the Plh).
            by_plh = stub.Sign(signing_pb2.SignRequest(request_id="plh-1", letter_id="bulk-3", passphrase=SEKCAM_PASSPHRASE),
                               metadata=SEKCAM)
            letters = ["bulk-1", "bulk-2", "bulk-3", "not-uploaded", "bulk-4", "bulk-5", "bulk-6"]
            request = signing_pb2.BulkSignRequest(passphrase=CAMAT_PASSPHRASE, items=[
                signing_pb2.BulkSignItem(request_id=f"sign-{letter}", letter_id=letter) for letter in letters])
            first = stub.BulkSign(request, metadata=CAMAT)

            codes = {r.letter_id: r.code for r in first.results}
            assert [r.request_id for r in first.results] == [f"sign-{letter}" for letter in letters]
            assert codes["bulk-3"] == grpc.StatusCode.FAILED_PRECONDITION.value[0]
            assert "sekcam-1" in [r for r in first.results if r.letter_id == "bulk-3"][0].message
            assert codes["not-uploaded"] == grpc.StatusCode.NOT_FOUND.value[0]
            signed = {r.letter_id: r.signature for r in first.results if r.code == 0}
            assert sorted(signed) == ["bulk-1", "bulk-2", "bulk-4", "bulk-5", "bulk-6"]

            # Every signature checks out with only the published keys, the documented bytes and `cryptography`.
            published = stub.ListPublicKeys(signing_pb2.ListPublicKeysRequest(), metadata=ADMIN)
            for letter_id, record in signed.items():
                fields = verify_offline(published, letter_id, digests[letter_id], record)
                assert fields.signer_id == "camat-1" and fields.on_behalf_of == ""
            verify_offline(published, "bulk-3", digests["bulk-3"], by_plh)
            # Each record is what a single Sign makes: the service's own Verify agrees, GetSignature returns it.
            for letter_id, record in signed.items():
                assert stub.Verify(signing_pb2.VerifyRequest(signature_id=record.signature_id), metadata=ADMIN).valid
                assert stub.GetSignature(signing_pb2.GetSignatureRequest(letter_id=letter_id), metadata=ADMIN) == record

            # A retried call returns the same signatures (nothing signed twice), even with a wrong
            # passphrase, as a retried Sign does; a single Sign with an item's request id agrees.
            retried = stub.BulkSign(request, metadata=CAMAT)
            assert [(r.code, r.signature) for r in retried.results] == [(r.code, r.signature) for r in first.results]
            wrong = signing_pb2.BulkSignRequest()
            wrong.CopyFrom(request)
            wrong.passphrase = "bukan-passphrase-nya"
            again = stub.BulkSign(wrong, metadata=CAMAT)
            assert {r.letter_id: r.signature for r in again.results if r.code == 0} == signed
            single = stub.Sign(signing_pb2.SignRequest(request_id="sign-bulk-2", letter_id="bulk-2", passphrase=CAMAT_PASSPHRASE),
                               metadata=CAMAT)
            assert single == signed["bulk-2"]
    finally:
        service.stop()


def signatures_on_disk(data_dir):
    """letter id -> signature ids, read from the signing database itself (the service is stopped)."""
    import sqlite3
    with sqlite3.connect(data_dir / "signing.sqlite") as db:
        rows = db.execute("SELECT letter_id, id FROM signature ORDER BY letter_id").fetchall()
    found = {}
    for letter_id, signature_id in rows:
        found.setdefault(letter_id, []).append(signature_id)
    return found


def wait_for_log(service, *texts, timeout=60):
    """Until one line of the service's log holds all `texts`."""
    deadline = time.time() + timeout
    while not any(all(text in line for text in texts) for line in service.output().splitlines()):
        assert service.proc.poll() is None, service.output()
        assert time.time() < deadline, f"no line with {texts} in the log:\n{service.output()}"
        time.sleep(0.005)


def kill_during(service, call, wait):
    """SIGKILLs the service once `wait()` returns, while `call` (a future) may still be running."""
    wait()
    service.kill()
    try:
        call.result()
    except grpc.RpcError:
        pass  # the reply died with the process


def test_bulk_sign_killed_mid_call_retry_loses_nothing_and_duplicates_nothing(pb, tmp_path):
    """Issue 12: SIGKILL during a BulkSign, before and after its commit. After a restart the retry with the
    same request ids, and one with NEW request ids (a caller that lost them), each get exactly the signatures
    on disk: every letter signed once, none twice, no FAILED_PRECONDITION for the signer's own signature."""
    _, signing_pb2, signing_pb2_grpc = pb
    # A costly scrypt (2^15) so a call spends its time unlocking the key: the first kill lands mid-call.
    args = ("--scrypt-log2-n", "15")
    service = start_signing(tmp_path, *args)
    letters = [f"kill-{n}" for n in range(8)]
    digests = {}

    def bulk(stub, prefix, names, passphrase=CAMAT_PASSPHRASE):
        return signing_pb2.BulkSignRequest(passphrase=passphrase, items=[
            signing_pb2.BulkSignItem(request_id=f"{prefix}-{letter}", letter_id=letter) for letter in names])

    try:
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            stub = signing_pb2_grpc.SigningStub(channel)
            register(stub, signing_pb2, "camat-1", "camat", CAMAT_PASSPHRASE, "Camat Sooko")
            for letter in letters:
                digests[letter] = upload(stub, pb, letter)
            # One unlock's time on this machine and build, to aim the first kill inside the call.
            started = time.monotonic()
            stub.Sign(signing_pb2.SignRequest(request_id="probe", letter_id=letters[0], passphrase=CAMAT_PASSPHRASE),
                      metadata=CAMAT)
            unlock = time.monotonic() - started
            first_half, second_half = letters[1:5], letters[5:]

            # 1. Killed while the call unlocks the key (before its one transaction).
            kill_during(service, stub.BulkSign.future(bulk(stub, "a", first_half), metadata=CAMAT, timeout=60),
                        lambda: time.sleep(unlock / 2))
        # Nothing half-done: either every letter of the call was committed or none.
        committed = signatures_on_disk(tmp_path)
        assert sorted(committed) in ([letters[0]], sorted([letters[0]] + first_half)), committed

        service = start_signing(tmp_path, *args)
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            stub = signing_pb2_grpc.SigningStub(channel)
            retried = stub.BulkSign(bulk(stub, "a", first_half), metadata=CAMAT)
            assert [r.code for r in retried.results] == [0] * len(first_half), [r.message for r in retried.results]
            first_signatures = {r.letter_id: r.signature.signature_id for r in retried.results}

            # 2. Killed right after the commit (the "letter signed" lines follow it), so the reply may be lost.
            kill_during(service, stub.BulkSign.future(bulk(stub, "b", second_half), metadata=CAMAT, timeout=60),
                        lambda: wait_for_log(service, "letter signed", f"letter.id={second_half[0]}"))
        on_disk = signatures_on_disk(tmp_path)
        assert sorted(on_disk) == sorted(letters), on_disk
        assert all(len(ids) == 1 for ids in on_disk.values()), on_disk

        service = start_signing(tmp_path, *args)
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            stub = signing_pb2_grpc.SigningStub(channel)
            # The same request ids: the stored signatures, even with a wrong passphrase (nothing is unlocked).
            same_ids = stub.BulkSign(bulk(stub, "b", second_half, passphrase="bukan-passphrase-nya"), metadata=CAMAT)
            assert {r.letter_id: (r.code, r.signature.signature_id) for r in same_ids.results} == \
                {letter: (0, on_disk[letter][0]) for letter in second_half}
            # NEW request ids for every letter (the ids were lost): the same signer's signatures on the
            # same uploads come back by natural key, not as "already signed"; still nothing is unlocked.
            new_ids = stub.BulkSign(bulk(stub, "c", letters, passphrase="bukan-passphrase-nya"), metadata=CAMAT)
            assert {r.letter_id: (r.code, r.signature.signature_id) for r in new_ids.results} == \
                {letter: (0, on_disk[letter][0]) for letter in letters}, [r.message for r in new_ids.results]
            assert {r.letter_id: r.signature.signature_id for r in new_ids.results if r.letter_id in first_half} == first_signatures
            # A single Sign with a new id agrees, and every signature verifies offline.
            single = stub.Sign(signing_pb2.SignRequest(request_id="d-1", letter_id=letters[3], passphrase=CAMAT_PASSPHRASE),
                               metadata=CAMAT)
            assert single.signature_id == on_disk[letters[3]][0]
            published = stub.ListPublicKeys(signing_pb2.ListPublicKeysRequest(), metadata=ADMIN)
            for result in new_ids.results:
                verify_offline(published, result.letter_id, digests[result.letter_id], result.signature)
            # Replays are logged as replays, not as letters signed again.
            log = service.output()
            assert log.count("Sign replayed: stored reply sent again") >= len(second_half) + len(letters) + 1
            assert "letter signed" not in log
        service.stop()
        assert signatures_on_disk(tmp_path) == on_disk
    finally:
        service.stop()


def test_lockout_counts_a_bulk_call_as_one_attempt(pb, tmp_path):
    _, signing_pb2, signing_pb2_grpc = pb
    service = start_signing(tmp_path, "--scrypt-log2-n", "12")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            stub = signing_pb2_grpc.SigningStub(channel)
            register(stub, signing_pb2, "camat-1", "camat", CAMAT_PASSPHRASE, "Camat Sooko")
            letters = [f"lock-{n}" for n in range(10)]
            for letter in letters:
                upload(stub, pb, letter)

            def bulk(passphrase, call):
                return stub.BulkSign(signing_pb2.BulkSignRequest(passphrase=passphrase, items=[
                    signing_pb2.BulkSignItem(request_id=f"{call}-{letter}", letter_id=letter) for letter in letters]),
                    metadata=CAMAT)

            # Ten letters, one wrong passphrase: ONE failed attempt, four left.
            with pytest.raises(grpc.RpcError) as err:
                bulk("tebakan-1", "call-1")
            assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert "4 attempt(s) left" in err.value.details()
            for n, left in ((2, 3), (3, 2), (4, 1)):
                with pytest.raises(grpc.RpcError) as err:
                    bulk(f"tebakan-{n}", f"call-{n}")
                assert f"{left} attempt(s) left" in err.value.details()
            # The fifth wrong call locks the signer out; then even the right passphrase is not tried.
            with pytest.raises(grpc.RpcError) as err:
                bulk("tebakan-5", "call-5")
            assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            with pytest.raises(grpc.RpcError) as err:
                bulk(CAMAT_PASSPHRASE, "call-6")
            assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            trailers = dict(err.value.trailing_metadata())
            assert int(trailers["retry-after-unix-millis"]) > 0
            for letter in letters:  # nothing was signed
                with pytest.raises(grpc.RpcError) as err:
                    stub.GetSignature(signing_pb2.GetSignatureRequest(letter_id=letter), metadata=ADMIN)
                assert err.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        service.stop()


def test_burst_larger_than_the_queue_is_refused_at_once_with_a_retry_hint(pb, tmp_path):
    _, signing_pb2, signing_pb2_grpc = pb
    # One derivation at a time at the production cost (64 MiB), at most 2 waiting. Six signers (as
    # when one signing service serves several offices): their unlocks cannot be shared.
    service = start_signing(tmp_path, "--scrypt-log2-n", "16", "--kdf-concurrency", "1", "--kdf-queue-limit", "2")
    signers = range(6)

    def md(k):
        return [("authorization", f"Bearer {TOKEN}"), ("surat-actor-id", f"camat-{k}"), ("surat-actor-role", "camat")]

    try:
        with grpc.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            stub = signing_pb2_grpc.SigningStub(channel)
            for k in signers:
                register(stub, signing_pb2, f"camat-{k}", "camat", f"rahasia-camat-{k}", f"Camat Kecamatan {k}")

            def sign(letter, k, timeout=60):
                try:
                    record = stub.Sign(signing_pb2.SignRequest(request_id=f"sign-{letter}", letter_id=letter,
                                                               passphrase=f"rahasia-camat-{k}"), metadata=md(k), timeout=timeout)
                    return letter, None, record
                except grpc.RpcError as error:
                    return letter, error, None

            burst = [(f"burst-{n}", n % len(signers)) for n in range(12)]
            for letter, _ in burst:
                upload(stub, pb, letter)
            with ThreadPoolExecutor(len(burst)) as pool:
                outcomes = list(pool.map(lambda item: sign(*item), burst))
            refused = [(letter, k, error) for (letter, error, _), (_, k) in zip(outcomes, burst) if error is not None]
            assert refused, "six signers' unlocks at once through a queue of 2 must be refused in part"
            for letter, _, error in refused:
                # Refused at once as overload, not left to run into the deadline.
                assert error.code() == grpc.StatusCode.UNAVAILABLE, (letter, error.code(), error.details())
                assert "busy" in error.details()
                assert int(dict(error.trailing_metadata())["retry-after-ms"]) > 0
            # Retrying each refused letter with the same request id converges to one signature each.
            for letter, k, _ in refused:
                for _ in range(100):
                    _, error, record = sign(letter, k)
                    if error is None:
                        break
                    assert error.code() == grpc.StatusCode.UNAVAILABLE
                    retry_after = int(dict(error.trailing_metadata())["retry-after-ms"])
                    time.sleep(min(retry_after, 2000) / 1000)
                assert error is None, error
            published = stub.ListPublicKeys(signing_pb2.ListPublicKeysRequest(), metadata=ADMIN)
            ids = set()
            for letter, k in burst:
                record = stub.GetSignature(signing_pb2.GetSignatureRequest(letter_id=letter), metadata=ADMIN)
                fields = verify_offline(published, letter, record.fields.revision_digest, record)
                assert fields.letter_id == letter and fields.signer_id == f"camat-{k}"
                ids.add(record.signature_id)
            assert len(ids) == len(burst)

            # One Camat's concurrent single Signs with the same passphrase share one unlock: eight at
            # once through the same queue of 2 are all signed.
            shared = [f"shared-{n}" for n in range(8)]
            for letter in shared:
                upload(stub, pb, letter)
            with ThreadPoolExecutor(len(shared)) as pool:
                outcomes = list(pool.map(lambda letter: sign(letter, 0), shared))
            assert [error for _, error, _ in outcomes] == [None] * len(shared)

            # A call whose deadline cannot be met behind a full backlog is refused at once (UNAVAILABLE),
            # not left to expire in the queue as DEADLINE_EXCEEDED.
            late = [f"late-{n}" for n in range(4)]
            for letter in late:
                upload(stub, pb, letter)
            # The deadline: half again what one signature takes on this machine and build, while two
            # others' unlocks are ahead of it (about three signatures' time).
            started = time.monotonic()
            assert sign("late-3", 3)[1] is None
            deadline = max(0.5, 1.5 * (time.monotonic() - started))
            with ThreadPoolExecutor(2) as pool:
                backlog = [pool.submit(sign, letter, k) for letter, k in (("late-0", 0), ("late-1", 1))]
                time.sleep(0.05)
                _, error, _ = sign("late-2", 2, timeout=deadline)
                for future in backlog:
                    future.result()
            assert error is not None, "signed although two unlocks were ahead of a deadline of one and a half"
            assert error.code() == grpc.StatusCode.UNAVAILABLE, (error.code(), error.details())
            assert int(dict(error.trailing_metadata())["retry-after-ms"]) > 0
    finally:
        service.stop()


# ---- through the gateway and the CLI ----

@pytest.fixture(scope="module")
def office_cluster(tmp_path_factory, protos):
    root = tmp_path_factory.mktemp("bulk-office")
    cluster = Cluster(root)
    office = Office(cluster, protos)
    office.write_tokens(root)
    (root / "passphrase").write_text(OFFICE_PASSPHRASE + "\n")
    yield cluster, office, root
    office.channel.close()
    cluster.close()


def to_upload(office, subject):
    letter_id = office.open(subject).letter_id
    office.assign(letter_id)
    office.draft(letter_id, subject=subject)
    office.paraf(letter_id)
    office.approve(letter_id)
    return letter_id


def test_gateway_bulk_sign_per_letter_results_retry_and_cli(office_cluster, protos):
    cluster, office, root = office_cluster
    g = office.g
    from surat.signing.v1 import signing_pb2, signing_pb2_grpc
    waiting = []
    for n in range(3):
        letter_id = to_upload(office, f"Surat edaran {n}")
        office.upload(letter_id)
        waiting.append(letter_id)
    not_uploaded = to_upload(office, "Belum diunggah")
    already = to_upload(office, "Sudah ditandatangani")
    office.upload(already)
    office.sign(already)

    # The Camat's queue lists exactly what waits for a signature.
    queue = office.gateway.GetWorkQueue(g.WorkQueueRequest(role="camat"), metadata=office.md("camat"))
    assert set(waiting) <= {item.letter_id for item in queue.items}
    assert not_uploaded not in {item.letter_id for item in queue.items}

    # Only the Camat (or a Plh/Plt acting as camat) may bulk-sign.
    letters = waiting + [not_uploaded, already, "tidak-ada"]
    request = g.BulkSignRequest(request_id="bulk-" + uuid.uuid4().hex, letter_ids=letters, passphrase=OFFICE_PASSPHRASE)
    with pytest.raises(grpc.RpcError) as err:
        office.gateway.BulkSign(request, metadata=office.md("ani"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED

    reply = office.gateway.BulkSign(request, metadata=office.md("camat"))
    results = {r.letter_id: r for r in reply.results}
    assert [r.letter_id for r in reply.results] == letters
    for letter_id in waiting:
        result = results[letter_id]
        assert result.code == 0, result.message
        assert result.signature.verified and result.signature.signer_id == "camat"
        assert result.journey.state == g.JOURNEY_STATE_SIGNED
        assert office.journey(letter_id).state == g.JOURNEY_STATE_SIGNED
    assert results[not_uploaded].code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert results[already].code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert results["tidak-ada"].code == grpc.StatusCode.NOT_FOUND.value[0]

    # Retried: the same signatures, nothing signed twice.
    retried = office.gateway.BulkSign(request, metadata=office.md("camat"))
    assert [(r.code, r.signature.signature_id, r.signature.signature) for r in retried.results] == \
        [(r.code, r.signature.signature_id, r.signature.signature) for r in reply.results]

    # Each signed letter goes on to step 6 as after a single Sign.
    registered = office.register(waiting[0])
    assert registered.registration.receipt_verified

    # Every signature checks out offline against the signing service's published keys.
    token = cluster.tokens["registry"]
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['signing']}") as channel:
        stub = signing_pb2_grpc.SigningStub(channel)
        published = stub.ListPublicKeys(signing_pb2.ListPublicKeysRequest(), metadata=[("authorization", f"Bearer {token}")])
        for letter_id in waiting:
            record = stub.GetSignature(signing_pb2.GetSignatureRequest(letter_id=letter_id),
                                       metadata=[("authorization", f"Bearer {token}")])
            assert record.signature_id == results[letter_id].signature.signature_id
            verify_offline(published, letter_id, record.fields.revision_digest, record)

    # The CLI: `surat sign --all-waiting` signs what waits, with one passphrase (from a file here).
    more = []
    for n in range(2):
        letter_id = to_upload(office, f"Undangan {n}")
        office.upload(letter_id)
        more.append(letter_id)
    (root / "config.json").write_text(json.dumps({"address": f"127.0.0.1:{cluster.ports['gateway']}"}))
    env = dict(os.environ, SURAT_TOKEN_FILE=str(root / "camat.token"), SURAT_CONFIG=str(root / "config.json"),
               SURAT_PASSPHRASE_FILE=str(root / "passphrase"))
    env.pop("SURAT_TOKEN", None)
    env.pop("SURAT_ADDRESS", None)
    run = subprocess.run([str(swift_bin("surat")), "sign", "--all-waiting", "--json"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr + run.stdout
    signed = {r["letterID"] for r in json.loads(run.stdout)["results"] if r.get("code", 0) == 0}
    assert set(more) <= signed
    for letter_id in more:
        assert office.journey(letter_id).state == g.JOURNEY_STATE_SIGNED
    # Named letters, one of them not signable: the others are signed, exit code 3.
    last = to_upload(office, "Terakhir")
    office.upload(last)
    run = subprocess.run([str(swift_bin("surat")), "sign", last, not_uploaded], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 3, run.stderr + run.stdout
    assert "1 of 2 letter(s) signed" in run.stdout
    assert office.journey(last).state == g.JOURNEY_STATE_SIGNED
