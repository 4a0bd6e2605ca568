#!/usr/bin/env python3
"""Python half of the Wire cross-check: an independent protobuf implementation
(PyPI `protobuf`, messages compiled by `grpcio-tools` protoc from protos/wire_test.proto)
reads the bytes Swift wrote and writes the bytes Swift must read.

Driven by Tests/WireTests/CrossCheckTests.swift:

    python3 wire_crosscheck.py WORKDIR

The Swift test runs it twice: with the default upb backend and with the pure-Python backend
(PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python). Output goes to WORKDIR/python-BACKEND/.
upb's deterministic mode (protobuf 7.x) does not write map entries in ascending key order,
the order protobuf documents for deterministic serialization and that C++, Java, Go and the
pure-Python backend use, and that our encoder uses; so under upb the bytes of messages with
several map entries are compared by value only.

For every case below it writes WORKDIR/python-BACKEND/NAME.bin (the input the Swift decoder must
accept) and WORKDIR/python/NAME.canonical.bin (what a deterministic encoder must produce for
the decoded message: `SerializeToString(deterministic=True)` after dropping unknown fields).
For every WORKDIR/swift/NAME.bin Swift wrote, it parses the bytes as the case's message type,
compares the message with the expected one, and (where the case says so) compares the bytes
with the canonical bytes. Mismatches are printed; the exit status is 1 if there were any.
The Swift struct for each case is defined in "Tests/WireTests/TestUtilities/Messages.swift".
"""
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def compile_proto(out: Path):
    import grpc_tools
    from grpc_tools import protoc

    include = Path(grpc_tools.__file__).parent / "_proto"
    args = ["protoc", f"-I{HERE / 'protos'}", f"-I{include}", f"--python_out={out}", "wire_test.proto"]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed on protos/wire_test.proto")
    sys.path.insert(0, str(out))
    import wire_test_pb2

    return wire_test_pb2


def ts(seconds, nanos=0):
    from google.protobuf.timestamp_pb2 import Timestamp

    return Timestamp(seconds=seconds, nanos=nanos)


UNICODE = "Surat Keluar — Kecamatan Ñandú, 日本語, emoji 🇮🇩✉️, nul \x00 end"


# Cases whose messages hold maps with several entries (see the module docstring).
MULTI_ENTRY_MAPS = {"maps", "letter_full"}


def cases(pb):
    """name -> (message class, input bytes, same_bytes)."""
    Scalars, Inner, Presence, Repeated, Maps = pb.Scalars, pb.Inner, pb.Presence, pb.Repeated, pb.Maps
    Letter, LetterV2, Addressee = pb.Letter, pb.LetterV2, pb.Addressee
    out = {}

    def add(name, message, same_bytes=True, data=None):
        out[name] = (type(message), data if data is not None else message.SerializeToString(deterministic=True), same_bytes)

    add("scalars_default", Scalars())
    add("scalars_max", Scalars(flag=True, small=2**31 - 1, big=2**63 - 1, word=2**32 - 1, wide=2**64 - 1,
                               real=1.5, precise=1.7976931348623157e308, text="max", blob=bytes(range(256)),
                               native=2**63 - 1, unative=2**64 - 1))
    add("scalars_min", Scalars(small=-2**31, big=-2**63, real=-0.25, precise=-5e-324, text=" ", blob=b"\x00",
                               native=-2**63, unative=1))
    add("scalars_negative", Scalars(small=-1, big=-1, native=-12345, precise=-0.0, real=float("-inf")))
    add("scalars_large", Scalars(text="ä" * 50_000 + UNICODE, blob=bytes(i % 251 for i in range(70_000)),
                                 precise=float("inf")))
    add("scalars_unicode", Scalars(text=UNICODE))

    add("presence_absent", Presence())
    p = Presence(flag=False, small=0, text="", precise=0.0, sifat=pb.SIFAT_BIASA, blob=b"")
    p.inner.SetInParent()
    p.when.CopyFrom(ts(0, 0))
    add("presence_zero", p)
    add("presence_values", Presence(flag=True, small=-7, text=UNICODE, precise=2.5, sifat=pb.SIFAT_SEGERA,
                                    inner=Inner(name="dalam", count=3), blob=b"\x01\x02",
                                    when=ts(-62135596800, 0)))

    add("repeated_values", Repeated(
        ints=[1, -1, 0, 2**31 - 1, -2**31], doubles=[0.5, -1.25, 1e300], bools=[True, False, True],
        names=["", "a", UNICODE], blobs=[b"", b"\x00\xff"], inners=[Inner(), Inner(name="x", count=-5)],
        sifats=[pb.SIFAT_SEGERA, pb.SIFAT_BIASA, pb.SIFAT_RAHASIA], wides=[0, 2**64 - 1, 300],
        floats=[1.5, -2.0], times=[ts(-1, 500_000_000), ts(1_700_000_000, 123_456_000), ts(0, 0)]))
    # [packed = false] on the Python side; Swift always writes packed, so only values compare.
    add("repeated_unpacked", Repeated(unpacked_ints=[3, -3, 0, 300]), same_bytes=False)
    # Packed and unpacked records of one field, interleaved: all elements, in wire order.
    mixed = Repeated(ints=[1, 2]).SerializeToString() + bytes([0x08, 0x03]) + Repeated(ints=[4]).SerializeToString()
    add("repeated_mixed_packing", Repeated(ints=[1, 2, 3, 4]), data=mixed)

    maps = Maps()
    maps.labels.update({"b": "2", "a": "1", "": "", "ü": "x", "z": "9", "B": "upper"})
    maps.by_id[3].CopyFrom(Inner(name="c"))
    maps.by_id[-1].CopyFrom(Inner())
    maps.by_id[0].CopyFrom(Inner(count=7))
    maps.flags[True] = -1
    maps.flags[False] = 0
    maps.weights[2**64 - 1] = 0.5
    maps.weights[0] = -1.0
    maps.sifats["x"] = pb.SIFAT_SEGERA
    maps.sifats["y"] = pb.SIFAT_BIASA
    maps.blobs[-5] = b""
    maps.blobs[5] = b"\x01"
    add("maps", maps)
    # A repeated map key: the last entry wins.
    dup = Maps(labels={"k": "first"}).SerializeToString() + Maps(labels={"k": "second"}).SerializeToString()
    add("maps_duplicate_key", Maps(labels={"k": "second"}), data=dup)

    letter = Letter(id="3f2504e0-4f89-41d3-9a0c-0305e82c3301", perihal="Undangan rapat koordinasi — Desa Sukamaju",
                    sifat=pb.SIFAT_PENTING, created_at=ts(-946_079_999, 250_000_000),
                    addressees=[Addressee(name="Kepala Desa Sukamaju", office="Desa Sukamaju",
                                          endpoint="desa-sukamaju.example:7404"),
                                Addressee(name="Dinas Pendidikan", office="Dinas")],
                    tembusan=["Camat", "Sekretaris Kecamatan"], labels={"klasifikasi": "005", "unit": "416-313"},
                    signed_at=ts(1_760_000_000, 999_999_000), email="umum@kecamatan.example",
                    body=("Dengan hormat, " * 300).encode())
    add("letter_full", letter)
    add("letter_oneof_zero", Letter(desa_id=0))
    add("letter_oneof_number", Letter(desa_id=-42, signed_at=ts(0, 0)))

    v2 = LetterV2(id="3f2504e0-4f89-41d3-9a0c-0305e82c3301", perihal="Surat edaran", sifat=pb.SIFAT_RAHASIA,
                  tembusan=["Arsip"], extra_text="unknown to Swift", extra_number=-9, extra_fixed32=7,
                  extra_fixed64=2**64 - 1, extra_message=Inner(name="skip me", count=1), extra_packed=[1, 2, 3],
                  extra_double=3.25, desa_id=7)
    add("letter_unknown_fields", Letter(), data=v2.SerializeToString())

    # Two occurrences of one message: scalars last-wins, repeated fields concatenate, nested
    # messages (created_at here) merge field by field.
    first = Letter(perihal="lama", sifat=pb.SIFAT_PENTING, created_at=ts(5, 0),
                   addressees=[Addressee(name="A")], email="a@example")
    second = Letter(perihal="baru", created_at=ts(0, 7000), addressees=[Addressee(name="B")], desa_id=9)
    merged = Letter()
    merged.MergeFrom(first)
    merged.MergeFrom(second)
    add("letter_merge", merged, data=first.SerializeToString() + second.SerializeToString())
    return out


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    work = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as generated:
        pb = compile_proto(Path(generated))
        from google.protobuf import unknown_fields
        from google.protobuf.internal import api_implementation

        backend = api_implementation.Type()
        table = cases(pb)
        python_dir = work / f"python-{backend}"
        python_dir.mkdir(parents=True, exist_ok=True)
        canonical = {}
        for name, (cls, data, same_bytes) in table.items():
            (python_dir / f"{name}.bin").write_bytes(data)
            message = cls()
            message.ParseFromString(data)
            message.DiscardUnknownFields()
            canonical[name] = message
            (python_dir / f"{name}.canonical.bin").write_bytes(message.SerializeToString(deterministic=True))

        failures = []
        checked = 0
        for path in sorted((work / "swift").glob("*.bin")):
            name = path.stem
            if name not in table:
                failures.append(f"{name}: Swift wrote a case Python does not know")
                continue
            cls, _, same_bytes = table[name]
            swift_bytes = path.read_bytes()
            parsed = cls()
            try:
                parsed.ParseFromString(swift_bytes)
            except Exception as error:  # any parse failure is a mismatch to report
                failures.append(f"{name}: Python cannot parse Swift's bytes: {error}")
                continue
            if len(unknown_fields.UnknownFieldSet(parsed)) > 0:
                failures.append(f"{name}: Swift's bytes carry fields unknown to the .proto")
            if parsed != canonical[name]:
                failures.append(f"{name}: values differ\n  swift:  {parsed}\n  python: {canonical[name]}")
            expected = canonical[name].SerializeToString(deterministic=True)
            if backend == "upb" and name in MULTI_ENTRY_MAPS:
                same_bytes = False
            if same_bytes and swift_bytes != expected:
                failures.append(f"{name}: bytes differ\n  swift:  {swift_bytes[:200].hex()}\n  python: {expected[:200].hex()}")
            checked += 1
        for failure in failures:
            print("MISMATCH", failure)
        print(f"python ({backend}) checked {checked} Swift encodings, wrote {len(table)} cases, {len(failures)} mismatches")
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
