"""Pure rules of course materials and uploaded files: type decisions, safe names, visibility.

No Flask, no database. The bytes are sniffed by lms.materials.sniff (puremagic); the decisions
about what that means for us (refuse, serve as an attachment only, which type to announce) live
here so that they can be unit-tested.
"""

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

KINDS = ("file", "link")
STATUSES = ("draft", "published")
OCTET = "application/octet-stream"

# magic numbers of programs: never accepted, whatever the name says
EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java class
    b"#!",  # any script with an interpreter line
)
EXECUTABLE_EXTENSIONS = frozenset((
    "exe", "dll", "com", "scr", "msi", "msp", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js",
    "jse", "wsf", "wsh", "hta", "cpl", "jar", "apk", "app", "dmg", "pkg", "deb", "rpm", "sh",
    "bash", "run", "elf", "bin", "lnk", "reg", "gadget", "msc", "pif",
))
# markup a browser would run in our origin if we let it: always served as a download
ACTIVE_EXTENSIONS = frozenset(("html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl",
                               "xslt", "mht", "mhtml", "php", "asp", "aspx", "jsp"))
ACTIVE_MARKERS = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<iframe", b"<body",
                  b"<head", b"<?xml", b"<object", b"<embed", b"<meta", b"<a ", b"<img",
                  b"<style", b"<title", b"<div", b"<form", b"<xsl:")

# what a file name's extension promises about the bytes (checked when the bytes say otherwise)
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
    "odp": (b"PK\x03\x04",),
    "epub": (b"PK\x03\x04",),
    "gz": (b"\x1f\x8b",),
    "tgz": (b"\x1f\x8b",),
    "7z": (b"7z\xbc\xaf\x27\x1c",),
    "rar": (b"Rar!\x1a\x07",),
    "mp4": (),  # checked by the sniffer's answer (ftyp box at offset 4)
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "ppt": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
TEXT_EXTENSIONS = frozenset(("txt", "csv", "tsv", "md", "json", "py", "ipynb", "sql", "r", "yml",
                             "yaml", "ini", "log", "c", "h", "cpp", "java", "go", "rs", "ts"))
# types we announce as themselves; anything else goes out as application/octet-stream
SAFE_TYPES = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "gif": "image/gif", "webp": "image/webp", "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint", "mp4": "video/mp4", "mp3": "audio/mpeg",
    "csv": "text/csv", "txt": "text/plain",
}
UPLOAD_TYPES = tuple(sorted(set(SAFE_TYPES) | TEXT_EXTENSIONS | {"gz", "tgz", "7z", "rar"}))
NAME_MAX = 150


class Refused(ValueError):
    """The file may not be stored (the message says why, for the uploader)."""


@dataclass(frozen=True)
class Verdict:
    """What we make of an upload: its extension, the type to announce, whether it is active."""

    extension: str
    content_type: str  # the type stored and, unless active, sent
    active: bool  # markup or script: only ever sent as application/octet-stream


def extension_of(filename: str) -> str:
    """The lower-case extension of a file name without the dot ('' when none)."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if "." not in name.strip("."):
        return ""
    ext = name.rsplit(".", 1)[-1].lower()
    return ext if ext.isalnum() and len(ext) <= 10 else ""


def looks_like_markup(head: bytes) -> bool:
    """True when the first bytes hold HTML, SVG, XML or script markup (what browsers sniff)."""
    text = head[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower().replace(b"\x00", b"")
    return any(marker in text for marker in ACTIVE_MARKERS)


def is_executable(head: bytes, extension: str) -> bool:
    """True for programs and scripts: by their magic number or their extension."""
    return extension in EXECUTABLE_EXTENSIONS or head.startswith(EXECUTABLE_MAGIC)


def is_text(head: bytes) -> bool:
    """True when the first bytes decode as UTF-8 text without control characters."""
    sample = head[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # a character cut at the end of the sample is fine
            return False
        text = sample[:exc.start].decode("utf-8")
    return not any(ord(c) < 32 and c not in "\t\r\n\f" for c in text)


def judge(filename: str, head: bytes, sniffed_mime: str | None,
          allowed: tuple[str, ...] | None = None) -> Verdict:
    """Decide on an upload from its name, first bytes and sniffed type; raise Refused if unfit.

    Programs are refused. A name promising a known type (.pdf, .png, .docx...) must be backed by
    the bytes: an HTML page named .pdf is refused. Markup is accepted as material but flagged
    active (sent only as application/octet-stream). `allowed` (a question's list of extensions)
    limits the extension, and active files are then refused too.
    """
    ext = extension_of(filename)
    if is_executable(head, ext):
        raise Refused("Programs and scripts cannot be uploaded.")
    if not head:
        raise Refused("The file is empty.")
    markup = looks_like_markup(head) or ext in ACTIVE_EXTENSIONS or (
        sniffed_mime or "").startswith(("text/html", "image/svg", "application/xhtml",
                                        "application/xml", "text/xml"))
    expected = SIGNATURES.get(ext)
    if expected and not head.startswith(expected):
        raise Refused(f"The file's content is not a .{ext} file; check that you chose the "
                      "right file.")
    if ext == "mp4" and (sniffed_mime or "") != "video/mp4":
        raise Refused("The file's content is not a .mp4 video.")
    if ext in TEXT_EXTENSIONS and (markup or not is_text(head)):
        raise Refused(f"The file's content is not a plain .{ext} text file.")
    if allowed is not None:
        if ext not in allowed:
            raise Refused(f"Allowed file types: {', '.join('.' + a for a in allowed)}.")
        if markup:
            raise Refused("Web pages and images with scripts cannot be handed in here.")
    if markup:
        return Verdict(ext, sniffed_mime or "text/html", True)
    content_type = SAFE_TYPES.get(ext) if (expected or ext in TEXT_EXTENSIONS
                                          or ext in SAFE_TYPES) else None
    if ext in SAFE_TYPES and not expected and ext not in TEXT_EXTENSIONS and sniffed_mime \
            and sniffed_mime != SAFE_TYPES[ext]:
        content_type = None  # e.g. .webp whose bytes say something else: send as bytes
    return Verdict(ext, content_type or OCTET, False)


def served_type(content_type: str, active: bool) -> str:
    """The Content-Type a download is sent with: active or unknown types as octet-stream."""
    if active or content_type not in SAFE_TYPES.values():
        return OCTET
    return content_type


def safe_filename(filename: str, fallback: str = "file") -> str:
    """A file name safe to store and send: no path, no control or reserved characters."""
    name = unicodedata.normalize("NFC", str(filename or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r'[<>:"|?*;]+', "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        return fallback
    if len(name) > NAME_MAX:
        ext = extension_of(name)
        keep = NAME_MAX - (len(ext) + 1 if ext else 0)
        name = name[:keep].rstrip(" .") + (f".{ext}" if ext else "")
    return name


def content_disposition(filename: str) -> str:
    """An `attachment` Content-Disposition with an ASCII name and the UTF-8 name (RFC 6266)."""
    name = safe_filename(filename)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()\[\]-]", "_", ascii_name).strip()
    if not ascii_name.rpartition(".")[0 if "." in ascii_name else 2].strip("._ "):
        ext = extension_of(name)
        ascii_name = f"file.{ext}" if ext else "file"
    value = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def clean_url(url: str) -> str:
    """A link's URL if it is an absolute http(s) URL, else raise ValueError."""
    url = (url or "").strip()
    if len(url) > 2000 or any(ord(c) < 33 for c in url):
        raise ValueError("Give a web address of at most 2,000 characters, without spaces.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("Give a full web address starting with https:// or http://.")
    return url


def within_limit(size: int, max_mb: float) -> bool:
    """True when `size` bytes fit in `max_mb` megabytes (MiB)."""
    return size <= int(max_mb * 1024 * 1024)


def human_size(size: int | None) -> str:
    """A size for people: 512 B, 3.4 KB, 12.0 MB, 1.2 GB (binary units)."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


# who sees what -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Viewer:
    """What visibility needs to know of a person and a course."""

    is_staff: bool
    manages: bool  # may edit this material (course owner, admin; a session's trainer)
    cohort_ids: frozenset = frozenset()  # the course's cohorts the learner is (or was) in


def may_see(viewer: Viewer, status: str, session_cohort_id: int | None,
            session_status: str | None) -> bool:
    """Drafts: only those who manage them. Published: staff, and learners of the course's cohorts;
    a session's material only for learners of that cohort while the session is scheduled."""
    if viewer.manages:
        return True
    if status != "published":
        return False
    if viewer.is_staff:
        return True
    if session_cohort_id is None:
        return bool(viewer.cohort_ids)
    return session_cohort_id in viewer.cohort_ids and session_status == "scheduled"


def zip_names(names: list[str]) -> list[str]:
    """Unique archive names for the files of a ZIP: a second 'notes.pdf' becomes 'notes (2).pdf'."""
    seen: set[str] = set()
    out = []
    for raw in names:
        name = safe_filename(raw)
        stem, dot, ext = name.rpartition(".") if "." in name.strip(".") else (name, "", "")
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{stem} ({n}){dot}{ext}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out
