import os

from piccolo.conf.apps import AppConfig

from workflow.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="workflow",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=TABLES,
    migration_dependencies=["piccolo.apps.user.piccolo_app"],
)
