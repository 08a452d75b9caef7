"""Service layer: every change goes through here, inside one transaction each."""
