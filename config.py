"""Configuration classes; every setting comes from the environment."""

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LMS_INSTANCE_PATH", BASE_DIR / "instance"))
WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "development"}


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'lms.sqlite3'}"


def _database_url(var: str = "DATABASE_URL", default: str | None = None) -> str:
    """The SQLAlchemy URL in `var`, with postgres:// URLs pointed at psycopg 3."""
    url = os.environ.get(var, "") or default or _sqlite_default()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 5 * 1024 * 1024))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    WTF_CSRF_ENABLED = True
    WTF_CSRF_CHECK_DEFAULT = False  # checked in lms.core.security, which skips bearer tokens
    WTF_CSRF_TIME_LIMIT = None

    # shared state of several servers (lms/ops, README "Production"): Redis for throttle counters
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1} \
        if RATELIMIT_STORAGE_URI.startswith("redis") else {}
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis down: count per process, never refuse
    RATELIMIT_SWALLOW_ERRORS = True
    LMS_SINGLE_PROCESS = os.environ.get("LMS_SINGLE_PROCESS") == "1"  # allows memory:// in prod
    LMS_PROXY_COUNT = int(os.environ.get("LMS_PROXY_COUNT", 0))  # proxies setting X-Forwarded-*
    METRICS_ALLOWED = os.environ.get("METRICS_ALLOWED", "")  # addresses/networks, comma-separated
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    LMS_REQUEST_LOG = os.environ.get("LMS_REQUEST_LOG", "1") != "0"  # one JSON line per request
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") != "0"
    BENCH = os.environ.get("LMS_BENCH") == "1"  # the baseline page and query counts of make bench
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", 10))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 10))
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_KNOWN_PLACE_DAYS = int(os.environ.get("LOGIN_KNOWN_PLACE_DAYS", 180))

    API_TOKEN_LIFETIME = timedelta(hours=int(os.environ.get("API_TOKEN_HOURS", 12)))
    SET_PASSWORD_LINK_MAX_AGE = timedelta(days=7)
    # links for other people; production refuses to start without it, development and tests
    # fall back to the address a request came to (lms.core.urls)
    LMS_PUBLIC_URL = os.environ.get("LMS_PUBLIC_URL", "").strip()
    LMS_VERIFY_RATE_LIMIT = os.environ.get("LMS_VERIFY_RATE_LIMIT", "60 per minute")
    # e-mail (lms/notifications): with no MAIL_SERVER messages stay in the outbox
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Knowledge Park LMS <no-reply@localhost>")
    MAIL_MAX_PER_MINUTE = int(os.environ.get("MAIL_MAX_PER_MINUTE", 600))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", 6))
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", 30))
    LMS_SITE_NAME = os.environ.get("LMS_SITE_NAME", "Knowledge Park LMS")
    PASSWORD_RESET_MAX_AGE = timedelta(hours=1)
    PASSWORD_RESET_PER_ACCOUNT = int(os.environ.get("PASSWORD_RESET_PER_ACCOUNT", 3))  # per hour
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour")

    # The credential signing keys (issue 24); development and tests make instance/signing-keys.json
    LMS_SIGNING_KEY_FILE = os.environ.get("LMS_SIGNING_KEY_FILE", "")
    LMS_URDU_FONT = os.environ.get(
        "LMS_URDU_FONT", "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf"
    )

    # course materials and uploads (lms.materials)
    STORAGE_URL = os.environ.get("STORAGE_URL", "")  # s3://bucket/prefix; empty: LMS_FILES_DIR
    LMS_FILES_DIR = os.environ.get("LMS_FILES_DIR", str(INSTANCE_DIR / "files"))
    LMS_ACCEL_REDIRECT = os.environ.get("LMS_ACCEL_REDIRECT", "")  # e.g. /_files/ (nginx internal)
    MATERIAL_MAX_MB = float(os.environ.get("MATERIAL_MAX_MB", 100))
    MATERIAL_COURSE_QUOTA_MB = float(os.environ.get("MATERIAL_COURSE_QUOTA_MB", 2048))

    API_TITLE = "Knowledge Park LMS"
    API_VERSION = "1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    DEBUG = False
    TESTING = False

    @classmethod
    def init_secret(cls) -> None:
        """Check or provide the secret key for this environment."""


class ProductionConfig(Config):
    """The default: safe behind gunicorn as it stands."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = os.environ.get("LMS_INSECURE_COOKIES", "") != "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @classmethod
    def init_secret(cls) -> None:
        """Refuse to start without a strong SECRET_KEY or without LMS_PUBLIC_URL."""
        key = os.environ.get("SECRET_KEY", "")
        if key.lower() in WEAK_SECRETS or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random string of at least 32 characters in "
                "production (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        cls.SECRET_KEY = key
        public = os.environ.get("LMS_PUBLIC_URL", "").strip()
        if not public.startswith(("https://", "http://")):
            raise RuntimeError(
                "LMS_PUBLIC_URL must be set in production to the site's public address, such as "
                "https://lms.example.pk: links in e-mails, QR codes and certificates use it.")
        cls.LMS_PUBLIC_URL = public


class DevelopmentConfig(Config):
    """`make run`: SQLite in instance/, a generated secret kept in instance/."""

    ENV_NAME = "development"

    @classmethod
    def init_secret(cls) -> None:
        """Use SECRET_KEY, else one generated once into instance/secret_key."""
        if os.environ.get("SECRET_KEY"):
            cls.SECRET_KEY = os.environ["SECRET_KEY"]
            return
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path = INSTANCE_DIR / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        cls.SECRET_KEY = path.read_text().strip()


class TestingConfig(Config):
    """pytest: an isolated database, CSRF off unless a test turns it on."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production-use-0123456789"  # noqa: S105
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = _database_url("LMS_TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STORAGE_OPTIONS: dict = {}
    REDIS_URL = ""
    LMS_REQUEST_LOG = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105  fast for tests; the app: scrypt
    LMS_FILES_DIR = os.path.join(tempfile.gettempdir(), f"lms-test-files-{os.getpid()}")
    STORAGE_URL = ""


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    """Return the config class named by `name` or LMS_ENV (production by default)."""
    name = (name or os.environ.get("LMS_ENV") or "production").lower()
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"LMS_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
    cls.init_secret()
    return cls
