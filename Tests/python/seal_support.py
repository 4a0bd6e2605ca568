"""Independent checks of the office seal on a PDF: poppler's pdfsig and pyHanko (Python API).

Both are used by test_letter_seal.py (the seal library through surat-letter) and by the browser
journey (the registry's final PDF). Neither shares code with LetterSeal (OpenSSL).
"""
import subprocess
from pathlib import Path

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def pdfsig_report(pdf: Path) -> str:
    out = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True, timeout=60)
    return out.stdout + out.stderr


def pdfsig_valid(pdf: Path) -> bool:
    """pdfsig's own verdict on the signature (digest and signature over the byte ranges)."""
    report = pdfsig_report(pdf)
    return "Signature is Valid." in report and "Total document signed" in report


def pyhanko_status(pdf: Path, ca_pem: Path):
    """pyHanko's validation status with the office CA as the only trust root; None when it cannot read the file."""
    _, _, der = pem.unarmor(ca_pem.read_bytes())
    context = ValidationContext(trust_roots=[x509.Certificate.load(der)])
    with open(pdf, "rb") as handle:
        try:
            reader = PdfFileReader(handle, strict=False)
            signatures = reader.embedded_signatures
            if len(signatures) != 1:
                return None
            return validate_pdf_signature(signatures[0], context)
        except Exception:  # pyHanko refusing to parse a damaged file is also "not valid"
            return None


def pyhanko_valid(pdf: Path, ca_pem: Path) -> bool:
    status = pyhanko_status(pdf, ca_pem)
    return bool(status is not None and status.bottom_line and status.intact and status.valid and status.trusted
                and status.coverage.name == "ENTIRE_FILE")


def tampered_copies(pdf: bytes):
    """One changed byte at a time, each inside the signed byte ranges, keeping the file parseable:
    in the first page's compressed content, in the seal's /M date (before /Contents) and in the
    catalog's /SigFlags (after /Contents)."""
    stream = pdf.index(b"stream\n") + len(b"stream\n") + 20
    m_date = pdf.rindex(b"/M (D:") + len(b"/M (D:") + 3
    sig_flags = pdf.rindex(b"/SigFlags 3") + len(b"/SigFlags ")
    for label, position, replacement in (("content stream", stream, None), ("/M date", m_date, None),
                                         ("/SigFlags", sig_flags, ord("1"))):
        changed = bytearray(pdf)
        changed[position] = replacement if replacement is not None else (
            (changed[position] ^ 0x01) if label != "/M date" else (ord("0") + (changed[position] - ord("0") + 1) % 10))
        yield label, bytes(changed)
