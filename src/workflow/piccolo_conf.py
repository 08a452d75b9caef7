"""Piccolo's configuration: the engine chosen by ``WORKFLOW_DATABASE_URL`` and the apps
whose migrations make up the schema."""

from piccolo.conf.apps import AppRegistry

from workflow.core.settings import get_settings
from workflow.db.engine import engine_from_url

DB = engine_from_url(get_settings().database_url)

APP_REGISTRY = AppRegistry(
    apps=[
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
        "piccolo_api.mfa.authenticator.piccolo_app",
        "workflow.piccolo_app",
    ]
)
