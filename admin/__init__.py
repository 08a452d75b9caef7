"""The staff admin (piccolo-admin), mounted by the service at ``/admin/``."""
