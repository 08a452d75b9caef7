"""workflow: the back office of a health-insurance marketplace's assister program."""

import os

# Piccolo finds its engine through this module; it must be set before any table import.
os.environ.setdefault("PICCOLO_CONF", "workflow.piccolo_conf")
