"""Knowledge Park LMS: the application factory."""

import logging
from pathlib import Path

from flask import Flask

from config import INSTANCE_DIR, config_for

FEATURES = ("accounts", "parks", "catalogue", "scheduling", "attendance", "assessments",
            "certificates", "credentials", "reports", "notifications", "materials")


def create_app(env: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error handlers, CLI."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(__name__, instance_path=str(INSTANCE_DIR),
                template_folder=str(root / "templates"), static_folder=str(root / "static"))
    app.config.from_object(config_for(env))
    if overrides:
        app.config.update(overrides)
    from lms.core.db import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    _init_extensions(app)
    from lms.ops.wiring import init_ops

    init_ops(app)  # first: its clock and proxy fix must wrap every other hook
    _register_features(app)
    from lms.core.db import end_read_only, init_retry

    app.teardown_request(end_read_only)
    init_retry(app)

    from lms.core.api import init_api_guards
    from lms.core.assets import init_assets
    from lms.core.handlers import init_handlers
    from lms.core.security import init_security
    from lms.core.templating import init_templating

    init_security(app)
    init_api_guards(app)
    init_handlers(app)
    init_templating(app)
    init_assets(app)

    if app.config.get("BENCH"):
        from lms.core.bench import init_bench

        init_bench(app)

    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)
    return app


def _init_extensions(app: Flask) -> None:
    from lms.extensions import api, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)


def _register_features(app: Flask) -> None:
    """Each feature package has views.bp (HTML) and api.blp (JSON); import models for Alembic."""
    import importlib

    from lms.extensions import api

    importlib.import_module("lms.core.db")
    importlib.import_module("lms.core.models")
    importlib.import_module("lms.core.versioning")
    for name in FEATURES:
        importlib.import_module(f"lms.{name}.models")
        views = importlib.import_module(f"lms.{name}.views")
        app.register_blueprint(views.bp)
        api.register_blueprint(importlib.import_module(f"lms.{name}.api").blp)
