"""The assister and agency portal: pages where assisters and agency admins do their own
steps, in English and Spanish (``core/i18n.py``)."""
